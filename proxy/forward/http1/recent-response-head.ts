import { LastParse } from '../../http/last-parse.js';
import { ownHeader, putHeader } from '../../http/header-bag.js';
import { parseResponseHead, type ResponseHead } from './response-head.js';

/** One upstream's last response head, parsed (see LastParse): its next answers mostly repeat it. */
export class RecentResponseHead extends LastParse<ResponseHead> {
  constructor() {
    super(parseResponseHead, copyOf);
  }
}

function copyOf(head: ResponseHead): ResponseHead {
  // Spread defines own properties (a header named __proto__ stays a header) and costs less than copyOfBag's
  // Object.assign: no middleware edits this bag (the forwarder builds the answer's own, endToEndResponseHeaders).
  const headers = { ...head.headers };
  for (const name in headers) {
    const value = ownHeader(headers, name);
    if (Array.isArray(value)) putHeader(headers, name, value.slice());
  }
  return { status: head.status, statusMessage: head.statusMessage, http10: head.http10, headers };
}
