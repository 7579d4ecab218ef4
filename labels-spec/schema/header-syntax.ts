// Header names and values as HTTP/1.1 allows them (RFC 9110 §5.1, §5.5) and node:http writes them: the one home
// of the rule, for configuration validation here and for the request path (proxy/http/head-syntax.ts).

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// A field value (or reason phrase) may hold HTAB, SP, visible ASCII and obs-text, nothing else.
const INVALID_FIELD_CHAR = /[^\t\x20-\x7e\x80-\xff]/;

/** A header name (or method): RFC 9110 token characters only. */
export function isToken(name: string): boolean {
  return TOKEN.test(name);
}

/** A header value or reason phrase node:http can write as it is. */
export function isFieldValue(value: string): boolean {
  return !INVALID_FIELD_CHAR.test(value);
}

// Control characters other than HTAB: what no field value may hold, whatever its encoding.
const CONTROL_CHAR = /[^\t\x20-\x7e\x80-\uffff]/;

/**
 * A header value as a configuration gives it: any text but control characters. Text beyond ASCII (`é`, `€`) is
 * allowed, as Traefik allows it: it goes out as its UTF-8 bytes (proxy/http/utf8-on-the-wire.ts).
 */
export function isConfiguredFieldValue(value: string): boolean {
  return !CONTROL_CHAR.test(value);
}
