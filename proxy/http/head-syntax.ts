// HTTP/1.1 head syntax (RFC 9110 §5.6.2, §5.5) as node:http accepts it, in one place for both fronts and the
// upstream pool: what node's writeHead would refuse (and throw on) is refused or dropped before it gets there.

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// A field value (or reason phrase) may hold HTAB, SP, visible ASCII and obs-text, nothing else.
const INVALID_FIELD_CHAR = /[^\t\x20-\x7e\x80-\xff]/;
// A whole head as received: the same, plus the CR and LF that end its lines.
const INVALID_HEAD_CHAR = /[^\t\r\n\x20-\x7e\x80-\xff]/;

/** A header name (or method): RFC 9110 token characters only. */
export function isToken(name: string): boolean {
  return TOKEN.test(name);
}

/** A header value or reason phrase node:http can write as it is. */
export function isFieldValue(value: string): boolean {
  return !INVALID_FIELD_CHAR.test(value);
}

/** A received head (latin1 text, line ends included) with no byte node:http's parser would refuse. */
export function isHeadText(head: string): boolean {
  return !INVALID_HEAD_CHAR.test(head);
}
