// node writes a header string one byte per character (latin1) and refuses characters above U+00FF; Go writes a
// string's bytes, which for text from a configuration file or a label are UTF-8. A configured value beyond ASCII
// is therefore turned into its UTF-8 bytes, one character each, before it meets a header: `é€` goes out as
// Traefik sends it (c3 a9 e2 82 ac), and compares equal to the same bytes in a request's header.
const BEYOND_ASCII = /[\x80-\uffff]/;

/** Configuration text as the header bytes Traefik would send for it. */
export function utf8OnTheWire(text: string): string {
  return BEYOND_ASCII.test(text) ? Buffer.from(text, 'utf8').toString('latin1') : text;
}
