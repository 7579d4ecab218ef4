import { ownHeader, putHeader } from '../../http/header-bag.js';
import { parseResponseHead, type ResponseHead } from './response-head.js';

/** Heads longer than this are parsed each time rather than kept (a server's usual head is a few hundred bytes). */
const KEPT_HEAD_MAX_CHARS = 4096;

/**
 * The last response head one upstream sent, parsed, for the next head that is the same text. A server sends the
 * same head over and over (its Date line changes once a second): comparing the text costs a fraction of parsing
 * it again. Each caller gets a head of its own, since the request path edits the headers it is given.
 */
export class RecentResponseHead {
  private text = '';
  private kept: ResponseHead | null = null;

  /** parseResponseHead(text), the same result and the same errors. */
  parse(text: string): ResponseHead {
    if (this.kept !== null && text === this.text) return copyOf(this.kept);
    const head = parseResponseHead(text);
    if (text.length <= KEPT_HEAD_MAX_CHARS) {
      this.text = text;
      this.kept = copyOf(head);
    }
    return head;
  }
}

function copyOf(head: ResponseHead): ResponseHead {
  // Spread defines own properties: a header named __proto__ stays a header.
  const headers = { ...head.headers };
  for (const name in headers) {
    const value = ownHeader(headers, name);
    if (Array.isArray(value)) putHeader(headers, name, value.slice());
  }
  return { status: head.status, statusMessage: head.statusMessage, http10: head.http10, headers };
}
