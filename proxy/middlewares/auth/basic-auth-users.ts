import { readFileSync } from 'node:fs';
import { parseHtpasswdSecret, type HtpasswdSecret } from '../../../labels-spec/htpasswd/htpasswd-secret.js';
import { htdigestEntry, htpasswdEntry } from '../../../labels-spec/htpasswd/user-entries.js';
import { bcryptWorkers } from './bcrypt-workers.js';
import { trimSpace } from '../../../labels-spec/schema/go-trim-space.js';

/** A user's secret as the middleware checks it: bcrypt answers later, from a worker thread. */
export type BasicAuthSecret = HtpasswdSecret<boolean | Promise<boolean>>;

/**
 * The basicAuth user table as Traefik builds it: usersFile lines first (trimmed, blanks and `#` lines
 * skipped, no `$$` unescaping), then the inline `users`, into one map, so an inline entry wins a duplicate.
 */
export function loadBasicAuthUsers(users: readonly string[], usersFile: string): Map<string, BasicAuthSecret> {
  const table = new Map<string, BasicAuthSecret>();
  for (const line of userLines('basicAuth', users, usersFile)) {
    const { user, hash } = htpasswdEntry(line);
    table.set(user, parseHtpasswdSecret(user, hash, bcryptWorkers.hash));
  }
  return table;
}

/**
 * The digestAuth table, from htdigest lines `user:realm:md5(user:realm:password)`, keyed `user:realm`
 * (the same file and merge rules as basicAuth), valued with the lower-case hex HA1.
 */
export function loadDigestAuthUsers(users: readonly string[], usersFile: string): Map<string, string> {
  const table = new Map<string, string>();
  for (const line of userLines('digestAuth', users, usersFile)) {
    const { user, realm, ha1 } = htdigestEntry(line);
    table.set(`${user}:${realm}`, ha1);
  }
  return table;
}

/** usersFile lines, then the inline entries (Traefik's loadUsers). */
function userLines(type: string, users: readonly string[], usersFile: string): string[] {
  return usersFile === '' ? [...users] : [...fileLines(type, usersFile), ...users];
}

function fileLines(type: string, path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`${type} usersFile "${path}": ${(err as Error).message}`);
  }
  return text.split('\n').map(trimSpace).filter((l) => l !== '' && !l.startsWith('#'));
}
