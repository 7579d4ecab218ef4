// basicAuth and digestAuth user entries as Traefik splits them (pkg/middlewares/auth: exactly 2, resp. 3,
// ':'-separated parts, else the middleware is not built).

export interface HtpasswdEntry {
  readonly user: string;
  readonly hash: string;
}

export interface HtdigestEntry {
  readonly user: string;
  readonly realm: string;
  /** md5(user:realm:password) in hex, as htdigest writes it. */
  readonly ha1: string;
}

/** An htpasswd line `user:hash`. */
export function htpasswdEntry(entry: string): HtpasswdEntry {
  const split = entry.split(':');
  if (split.length !== 2) throw new Error(`error parsing BasicUser: ${entry}`);
  const [user, hash] = split as [string, string];
  return { user, hash };
}

/** An htdigest line `user:realm:ha1`. */
export function htdigestEntry(entry: string): HtdigestEntry {
  const split = entry.split(':');
  if (split.length !== 3) throw new Error(`error parsing DigestUser: ${entry}`);
  const [user, realm, ha1] = split as [string, string, string];
  return { user, realm, ha1 };
}
