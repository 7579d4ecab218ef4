import { isEscapeAt } from './percent-escape.js';

// The path Go's reverse proxy writes upstream: outreq.URL.RequestURI(), i.e. URL.EscapedPath(). The path as received
// goes out unchanged when Go's validEncoded accepts it; otherwise Go escapes the decoded path byte by byte.

/** A byte validEncoded refuses in an escaped path: then the received form is not sent as it is. */
const NOT_VALID_ENCODED = /[^A-Za-z0-9\-._~!$&'()*+,;=:@[\]%/]/;

/** Bytes Go's escape(path, encodePath) leaves as they are: unreserved ones and `$&+,/:;=@`. */
const PATH_SAFE = new Uint8Array(256);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~$&+,/:;=@") PATH_SAFE[c.charCodeAt(0)] = 1;

const HEX = '0123456789ABCDEF';

/**
 * `rawPath` (the received path, one character a byte) as Go sends it upstream: itself when every byte is one
 * validEncoded accepts (one regex test: the usual path costs nothing more), else its decoded bytes escaped as Go's
 * escape does (`"` → %22, a raw 0xff → %FF, `!` → %21, and an escaped `/` sent decoded, as Go sends it).
 */
export function goEscapedPath(rawPath: string): string {
  if (!NOT_VALID_ENCODED.test(rawPath)) return rawPath;
  let out = '';
  for (let i = 0; i < rawPath.length; i++) {
    let c = rawPath.charCodeAt(i);
    if (c === 37 /* % */ && isEscapeAt(rawPath, i)) {
      c = Number.parseInt(rawPath.slice(i + 1, i + 3), 16);
      i += 2;
    }
    if (c > 0xff) {
      // Not a byte (a path pe-edge built from configured text): its UTF-8 bytes, as Go holds strings.
      for (const b of Buffer.from(String.fromCharCode(c), 'utf8')) out += '%' + HEX[b >> 4] + HEX[b & 15];
    } else {
      out += PATH_SAFE[c] === 1 ? String.fromCharCode(c) : '%' + HEX[c >> 4] + HEX[c & 15];
    }
  }
  return out;
}

/**
 * Go's req.URL.RequestURI() once the entrypoint allowed query semicolons (http.AllowQuerySemicolons: `;` read as
 * `&`): `rawPath` as Go escapes it ('/' when empty: stripPrefix's exact match) and the query. The request target
 * sent upstream and forwardAuth's X-Forwarded-Uri, one and the same.
 */
export function goRequestUri(rawPath: string, rawQuery: string): string {
  const query = rawQuery === '' ? '' : '?' + (rawQuery.includes(';') ? rawQuery.replaceAll(';', '&') : rawQuery);
  return (goEscapedPath(rawPath) || '/') + query;
}
