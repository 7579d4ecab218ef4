// node writes a header string one byte per character (latin1) and refuses characters above U+00FF; Go writes a
// string's bytes, which for text from a configuration file or a label are UTF-8. A configured value beyond ASCII
// is therefore turned into its UTF-8 bytes, one character each, before it meets a header: `é€` goes out as
// Traefik sends it (c3 a9 e2 82 ac), and compares equal to the same bytes in a request's header.
// Where Go reads a header's bytes as characters (regexp, strings.EqualFold), the header is read back as UTF-8.
const BEYOND_ASCII = /[\x80-\uffff]/;

/** Configuration text as the header bytes Traefik would send for it. */
export function utf8OnTheWire(text: string): string {
  return BEYOND_ASCII.test(text) ? Buffer.from(text, 'utf8').toString('latin1') : text;
}

/**
 * A header value node read (one character per byte) as the characters Go's regexp and case folding see: its bytes
 * decoded as UTF-8, a byte that is no UTF-8 becoming U+FFFD.
 */
export function textOnTheWire(value: string): string {
  return BEYOND_ASCII.test(value) ? Buffer.from(value, 'latin1').toString('utf8') : value;
}
