import { readFileSync } from 'node:fs';
import { parseHtpasswdSecret, type HtpasswdSecret } from './htpasswd-secret.js';

/**
 * The basicAuth user table as Traefik builds it: usersFile lines first (trimmed, blanks and `#` lines
 * skipped, no `$$` unescaping), then the inline `users`, into one map, so an inline entry wins a duplicate.
 */
export function loadBasicAuthUsers(users: readonly string[], usersFile: string): Map<string, HtpasswdSecret> {
  const lines = usersFile === '' ? [] : fileLines(usersFile);
  const table = new Map<string, HtpasswdSecret>();
  for (const entry of [...lines, ...users]) {
    const split = entry.split(':');
    if (split.length !== 2) throw new Error(`error parsing BasicUser: ${entry}`);
    const [name, hash] = split as [string, string];
    table.set(name, parseHtpasswdSecret(name, hash));
  }
  return table;
}

function fileLines(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`basicAuth usersFile "${path}": ${(err as Error).message}`);
  }
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
}
