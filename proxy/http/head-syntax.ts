// HTTP/1.1 head syntax (RFC 9110 §5.6.2, §5.5) as node:http accepts it, in one place for both fronts and the
// upstream pool: what node's writeHead would refuse (and throw on) is refused or dropped before it gets there.

import { isFieldValue, isToken } from '../../labels-spec/schema/header-syntax.js';

export { isFieldValue, isToken };

// A whole head as received: the same, plus the CR and LF that end its lines.
const INVALID_HEAD_CHAR = /[^\t\r\n\x20-\x7e\x80-\xff]/;

/** A received head (latin1 text, line ends included) with no byte node:http's parser would refuse. */
export function isHeadText(head: string): boolean {
  return !INVALID_HEAD_CHAR.test(head);
}
