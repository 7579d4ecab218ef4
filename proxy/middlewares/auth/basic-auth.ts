import { deleteRequestHeader, setRequestHeader } from '../../http/request-header-edit.js';
import type { Handler, RequestContext } from '../../http/request-context.js';
import { loadBasicAuthUsers, type BasicAuthSecret } from './basic-auth-users.js';
import { answer } from '../../http/traefik-responses.js';
import { runExchange } from '../../http/run-exchange.js';
import { utf8OnTheWire } from '../../http/utf8-on-the-wire.js';
import { PassedCredentials } from './passed-credentials.js';

export interface BasicAuthOptions {
  users: string[];
  usersFile: string;
  realm: string;
  headerField: string;
  removeHeader: boolean;
}

// Go's base64.StdEncoding: padded, standard alphabet; anything else is not Basic credentials.
const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const UNAUTHORIZED = '401 Unauthorized\n';
// Go's Request.BasicAuth: the scheme compared ASCII case-insensitively (a non-Unicode /i folds no other letter onto
// ASCII ones), then one space.
const BASIC_SCHEME = /^basic /i;

/**
 * Traefik's basicAuth (go-http-auth): htpasswd users from `users` and `usersFile`; a missing, malformed or
 * wrong credential gets 401 with a Basic challenge, a good one passes with the user optionally named in
 * `headerField` and the Authorization header optionally removed.
 */
export function createBasicAuth(o: BasicAuthOptions, next: Handler): Handler {
  const users = loadBasicAuthUsers(o.users, o.usersFile);
  // Traefik (v3.6.18): a basicAuth nobody can pass is a configuration error, not a router that answers 401.
  if (users.size === 0) {
    throw new Error(o.usersFile === '' ? 'no users found: set basicAuth.users or basicAuth.usersFile' : `no users found in ${o.usersFile}`);
  }
  // An empty realm (a label `realm=`) is Traefik's default, as NewBasic takes it.
  const challenge = utf8OnTheWire(`Basic realm="${o.realm === '' ? 'traefik' : o.realm}"`);
  const headerField = o.headerField;
  const removeHeader = o.removeHeader;
  const passed = new PassedCredentials();

  const decide = (ctx: RequestContext, user: string | null, claimed: string): void => {
    if (user === null) {
      // Traefik names the claimed user in the access log even when the password is wrong.
      ctx.username = claimed;
      answer(ctx, 401, {
        'content-type': 'text/plain',
        'www-authenticate': challenge,
        'content-length': String(UNAUTHORIZED.length),
      }, UNAUTHORIZED);
      return;
    }
    ctx.username = user; // the access log's ClientUsername, as Traefik's basicAuth sets it
    // The name is text (its UTF-8 decoded); upstream it goes as those bytes, as Traefik sends it.
    if (headerField !== '') setRequestHeader(ctx, headerField, utf8OnTheWire(user));
    if (removeHeader) deleteRequestHeader(ctx, 'Authorization');
    next(ctx);
  };
  return (ctx: RequestContext): void => {
    const authorization = ctx.req.headers.authorization;
    // Only what could be Basic credentials is hashed (the scheme's name is case-insensitive).
    const digest = authorization === undefined || !BASIC_SCHEME.test(authorization) ? null : passed.digestOf(authorization);
    const known = digest === null ? undefined : passed.userFor(digest);
    if (known !== undefined) return decide(ctx, known, known);
    const credentials = basicCredentials(authorization);
    if (credentials === null) return decide(ctx, null, '');
    const claimed = credentials.name;
    const pass = (name: string | null): void => {
      if (name !== null && digest !== null) passed.remember(digest, name);
      decide(ctx, name, claimed);
    };
    const user = authenticatedUser(credentials, users);
    if (typeof user === 'string' || user === null) pass(user);
    // A client that left while its password was hashed is not answered nor forwarded.
    else void user.then((name) => { if (!ctx.res.clientGone) runExchange(ctx, () => pass(name)); });
  };
}

/** Basic credentials as Go's Request.BasicAuth reads them (the name decoded as UTF-8), or null when there are none. */
function basicCredentials(auth: string | undefined): { name: string; password: Buffer } | null {
  if (auth === undefined || !BASIC_SCHEME.test(auth)) return null;
  const encoded = auth.slice(6);
  if (!STD_BASE64.test(encoded)) return null;
  const decoded = Buffer.from(encoded, 'base64');
  const colon = decoded.indexOf(0x3a);
  if (colon === -1) return null;
  return { name: decoded.subarray(0, colon).toString('utf8'), password: decoded.subarray(colon + 1) };
}

/** The user whose password matches the credentials, or null; later when bcrypt has to hash the password. */
function authenticatedUser(credentials: { name: string; password: Buffer }, users: ReadonlyMap<string, BasicAuthSecret>): string | null | Promise<string | null> {
  const name = credentials.name;
  const secret = users.get(name);
  if (secret === undefined) return null;
  const verdict = secret.check(credentials.password);
  if (typeof verdict === 'boolean') return verdict ? name : null;
  return verdict.then((ok) => (ok ? name : null));
}
