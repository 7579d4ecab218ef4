import { sha256Base64 } from '../../../labels-spec/sha256.js';
import { BoundedMemo } from '../../http/bounded-memo.js';

/**
 * Authorization values that passed a basicAuth lately, by their SHA-256, with the user each named. A client sends
 * the same header on every request: it passes again for one hash, instead of the header's decoding (a regex,
 * base64, three buffers) and the user's password check (another hash). Only digests are kept, as the users'
 * remembered passwords are (labels-spec/htpasswd/htpasswd-secret.ts), and never one of a refused header; looking a
 * digest up can reveal by its timing only how a digest compares, never the credentials. One per basicAuth instance
 * (per router), made with its users table and dropped with it: every build makes both anew. Never keep it across
 * reloads (scope.keep): its identity names a usersFile's path, not the file's content. Emptied when full (BoundedMemo).
 */
export class PassedCredentials {
  private readonly passed: BoundedMemo<string>;

  constructor(capacity = 1024) {
    this.passed = new BoundedMemo(capacity);
  }

  /** The digest that stands for `authorization` here. */
  digestOf(authorization: string): string {
    return sha256Base64(authorization);
  }

  /** The user a header with this digest passed as, if it passed lately. */
  userFor(digest: string): string | undefined {
    return this.passed.get(digest);
  }

  remember(digest: string, user: string): void {
    this.passed.set(digest, user);
  }
}
