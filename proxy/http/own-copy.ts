/**
 * The text in memory of its own, every UTF-16 unit as it is. A text cut from a longer one (one X-Forwarded-For
 * entry, trimmed) is, to V8, a window on that text (a sliced string): kept as it came in a long-lived map, each
 * entry would hold its whole header line alive, up to http.maxHeaderBytes (1 MiB). Copy what a map keeps for
 * longer than the request, when it is first kept: not on every request.
 */
export function ownCopy(text: string): string {
  return Buffer.from(text, 'utf16le').toString('utf16le');
}

/**
 * The bytes in memory of their own, of their exact size: a buffer given may be an upstream connection's lent read
 * buffer (its memory another read's once handed back) or a view of a larger pool. For what is kept past the request.
 */
export function ownBytes(bytes: Buffer): Buffer {
  const own = Buffer.allocUnsafeSlow(bytes.length);
  bytes.copy(own);
  return own;
}
