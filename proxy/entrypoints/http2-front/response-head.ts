import type { OutgoingHttpHeaders, ServerHttp2Stream, ServerStreamResponseOptions } from 'node:http2';
import type { ResponseHeaders } from '../../http/proxy-exchange.js';

// node's HTTP/2 `respond` takes a head as a flat list ([name, value, ...]) from 24.7 and 22.20; @types/node 20 (the
// oldest node pe-edge runs on) declares only the object. Given an object, node first copies it into an object of
// its own without a prototype, which V8 keeps as a dictionary: a list skips that copy. On the production path over
// HTTP/2 (node 24, `cpu-ab.sh`) a list cost 0.95 of the CPU per request an object did.

/** A field value in a list head: node sends each value of an array as a field of its own, as from an object. */
type ListValue = string | number | string[];

/** A stream whose `respond` takes a flat list. */
interface RespondsWithList {
  respond(headers: ListValue[], options?: ServerStreamResponseOptions): void;
}

/** Whether node `version` (`process.versions.node`) takes a response head as a list. */
export function takesHeadList(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major >= 25 || (major === 24 && minor >= 7) || (major === 22 && minor >= 20);
}

const listsTaken = takesHeadList(process.versions.node);

/** Every stream's `respond` takes a list on a node that does (a fact of the process, not of the stream). */
function respondsWithList(_stream: ServerHttp2Stream): _stream is ServerHttp2Stream & RespondsWithList {
  return listsTaken;
}

/**
 * Sends `fields` (as `http2Fields` made them sendable) with `status` as the stream's head: as a list where node
 * takes one, else as an object (the caller's own when the status is 200, node's default: never written to).
 * The two agree for the heads pe-edge makes (a reviewer compared every field over h2 and h2c on node 20 and 24):
 * names are lower-case there and bags hold no inherited fields. They differ only beyond that: the object path
 * adds a second Date beside a mixed-case one (node 20 then refuses the head), and the list path would send an
 * inherited enumerable field; and where a middleware removed Date, node adds its own first in the object, last in
 * the list.
 */
export function respondWith(stream: ServerHttp2Stream, status: number, fields: ResponseHeaders, options: ServerStreamResponseOptions): void {
  if (respondsWithList(stream)) {
    const list: ListValue[] = [':status', status];
    for (const name in fields) {
      const value = fields[name];
      if (value !== undefined) list.push(name, value);
    }
    stream.respond(list, options);
    return;
  }
  const block: OutgoingHttpHeaders = status === 200 ? fields : { ':status': status, ...fields };
  stream.respond(block, options);
}
