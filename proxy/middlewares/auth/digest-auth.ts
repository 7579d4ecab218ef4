import { deleteRequestHeader, setRequestHeader } from '../../http/request-header-edit.js';
import type { Handler, RequestContext } from '../../http/request-context.js';
import { answer } from '../../http/traefik-responses.js';
import { loadDigestAuthUsers } from './basic-auth-users.js';
import type { MiddlewareScope } from '../middleware-entry.js';
import { DigestNonces, digestChallenge, digestParams, digestResponse, sameText } from './digest-challenge.js';
import { textOnTheWire, utf8OnTheWire } from '../../http/utf8-on-the-wire.js';

export interface DigestAuthOptions {
  users: string[];
  usersFile: string;
  realm: string;
  headerField: string;
  removeHeader: boolean;
}

const UNAUTHORIZED = '401 Unauthorized\n';
const HEX = /^[0-9a-fA-F]+$/;
const MAX_NC = 1n << 64n;

/**
 * Traefik's digestAuth (go-http-auth's DigestAuth, RFC 2617, MD5, qop=auth): htdigest users of the configured
 * realm; a missing or wrong credential, an unknown nonce or a replayed nonce count gets a fresh challenge, a
 * lower count than one already seen gets a `stale="true"` one. The nonces and opaque value are kept across
 * reloads that leave the router and options unchanged (Traefik issues new ones on every reload).
 */
export function createDigestAuth(o: DigestAuthOptions, next: Handler, scope: MiddlewareScope): Handler {
  const users = loadDigestAuthUsers(o.users, o.usersFile);
  const realm = o.realm === '' ? 'traefik' : o.realm;
  const realmOnTheWire = utf8OnTheWire(realm);
  const nonces = scope.keep('digestNonces', () => new DigestNonces());
  const headerField = o.headerField;
  const logField = headerField === '' ? 'authorization' : headerField.toLowerCase();
  const removeHeader = o.removeHeader;

  return (ctx: RequestContext): void => {
    const outcome = check(ctx, users, realm, nonces);
    if (typeof outcome !== 'string' || outcome === '') {
      // Traefik names the claimed user in the access log even when it failed, read from headerField.
      const claimed = digestParams(headerValue(ctx, logField))?.get('username') ?? '';
      if (claimed !== '') ctx.username = textOnTheWire(claimed);
      const stale = typeof outcome === 'object' && outcome.stale;
      answer(ctx, 401, {
        'content-type': 'text/plain',
        'www-authenticate': digestChallenge(realmOnTheWire, nonces.issue(), nonces.opaque, stale),
        'content-length': String(UNAUTHORIZED.length),
      }, UNAUTHORIZED);
      return;
    }
    // The log gets the name as text (the client's UTF-8 decoded); the header upstream keeps its bytes.
    ctx.username = textOnTheWire(outcome);
    if (headerField !== '') setRequestHeader(ctx, headerField, outcome);
    if (removeHeader) deleteRequestHeader(ctx, 'Authorization');
    next(ctx);
  };
}

function headerValue(ctx: RequestContext, lower: string): string | undefined {
  const v = ctx.req.headers[lower];
  return Array.isArray(v) ? v[0] : v;
}

/** The authenticated user, '' when the credential fails, `{ stale }` for an out-of-order nonce count. */
function check(ctx: RequestContext, users: ReadonlyMap<string, string>, realm: string, nonces: DigestNonces): string | { stale: true } {
  const auth = digestParams(ctx.req.headers.authorization);
  if (auth === null) return '';
  const algorithm = auth.get('algorithm') ?? 'MD5';
  if (auth.get('opaque') !== nonces.opaque || algorithm !== 'MD5' || auth.get('qop') !== 'auth') return '';
  const uri = auth.get('uri') ?? '';
  if (!uriMatches(ctx, uri)) return '';
  const username = auth.get('username') ?? '';
  // The name's bytes as the users list's text (Traefik looks the bytes up: `josé` is the UTF-8 a client sends).
  const ha1 = users.get(`${textOnTheWire(username)}:${realm}`) ?? '';
  const expected = digestResponse(ha1, ctx.method, uri, {
    nonce: auth.get('nonce') ?? '', nc: auth.get('nc') ?? '', cnonce: auth.get('cnonce') ?? '', qop: 'auth',
  });
  if (ha1 === '' || !sameText(expected, auth.get('response') ?? '')) return '';
  const ncText = auth.get('nc') ?? '';
  if (!HEX.test(ncText)) return '';
  const nc = BigInt(`0x${ncText}`);
  if (nc >= MAX_NC) return '';
  const use = nonces.use(auth.get('nonce') ?? '', nc);
  if (use === 'stale') return { stale: true };
  return use === 'ok' ? username : '';
}

/**
 * go-http-auth: the credential's uri is the request-target, or a URL whose path is a prefix of the request's
 * path (kept "for reasons lost in history").
 */
function uriMatches(ctx: RequestContext, uri: string): boolean {
  const requestUri = ctx.rawQuery === '' ? ctx.rawPath : `${ctx.rawPath}?${ctx.rawQuery}`;
  if (uri === ctx.req.url || uri === requestUri) return true;
  const path = uriPath(uri);
  return path !== null && path.length <= ctx.path.length && ctx.path.startsWith(path);
}

/** The decoded path of a URI reference, or null when it cannot be parsed. */
function uriPath(uri: string): string | null {
  let rest = uri;
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:/.exec(rest);
  if (scheme !== null) {
    rest = rest.slice(scheme[0].length);
    if (!rest.startsWith('//')) return '';
  }
  if (rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    rest = slash === -1 ? '' : rest.slice(slash);
  }
  const end = rest.search(/[?#]/);
  if (end !== -1) rest = rest.slice(0, end);
  try {
    return decodeURIComponent(rest);
  } catch {
    return null;
  }
}
