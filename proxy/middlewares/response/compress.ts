import type { Handler, RequestContext, ResponseHeaders, ResponseHooks } from '../../http/request-context.js';
import { responseHooks } from '../../http/request-context.js';
import { acceptEncodingOf, IDENTITY, NOT_ACCEPTABLE, negotiateEncoding, type Negotiated, type Negotiation } from './accept-encoding.js';
import { compressedBody, type ZlibEncoding } from './compressed-body.js';
import { lastAnswer } from './last-answer.js';
import { mediaTypeMatches, parseMediaType, type MediaType } from './media-type.js';
import { firstHeaderValue } from '../../http/request-header-edit.js';
import { zstd } from './zstd.js';

/** labels-spec `compress`, validated and defaulted. */
export interface CompressOptions {
  excludedContentTypes: string[];
  includedContentTypes: string[];
  minResponseBodyBytes: number;
  encodings: ('zstd' | 'br' | 'gzip')[];
  defaultEncoding: string;
}

// Traefik never compresses gRPC, whatever the options say.
const GRPC = 'application/grpc';

function parseOption(option: string): (value: string) => MediaType {
  return (value) => {
    const parsed = parseMediaType(value);
    if (parsed === null) throw new Error(`compress.${option}: "${value}" is not a valid media type`);
    return parsed;
  };
}

/**
 * The server's order among the encodings this node can produce. Deviation on node 20 (and 22 before 22.15), whose
 * zlib has no zstd: zstd stays a valid option, but pe-edge negotiates there as if the server did not offer it, so a
 * client that prefers zstd gets the next acceptable encoding in the server's order (or an uncompressed body); a
 * request never fails for it. `produces` is what this node compresses to (a parameter for tests).
 */
export function negotiation(options: CompressOptions, produces: (encoding: ZlibEncoding) => boolean = canProduce): Negotiation {
  const supported = options.encodings.filter(produces);
  const fallback = supported[0] ?? IDENTITY;
  const configured = options.defaultEncoding === 'zstd' && !supported.includes('zstd') ? fallback : options.defaultEncoding;
  return {
    supported,
    whenAbsent: configured === '' ? IDENTITY : configured,
    forWildcard: configured !== '' ? configured : supported.includes('br') ? 'br' : fallback,
  };
}

/** Whether this node compresses to `encoding`: gzip and br always, zstd from node 22.15 and 23.8. */
function canProduce(encoding: ZlibEncoding): boolean {
  return encoding !== 'zstd' || zstd !== null;
}

/** Traefik's compress: zstd, br or gzip by Accept-Encoding, for bodies of at least minResponseBodyBytes. */
export function createCompress(options: CompressOptions, next: Handler): Handler {
  const excluded = [GRPC, ...options.excludedContentTypes].map(parseOption('excludedContentTypes'));
  const included = options.includedContentTypes.map(parseOption('includedContentTypes'));
  const excludedRequestTypes = new Set(excluded.map((m) => m.type));
  const choose = negotiation(options);
  // A streamed answer past compress's memory budget may go as gzip instead (stream-budget.ts).
  const gzipOffered = choose.supported.includes('gzip');
  const minSize = options.minResponseBodyBytes > 0 ? options.minResponseBodyBytes : 1024;

  // A site sends the same few Content-Types and its browsers the same Accept-Encoding: each is parsed once
  // in a row, not per request.
  const typeCompressible = lastAnswer((value: string): boolean => {
    const type = parseMediaType(value);
    if (type === null) return false;
    if (included.length > 0) return included.some((c) => mediaTypeMatches(c, type));
    return !excluded.some((c) => mediaTypeMatches(c, type));
  });
  const negotiate = lastAnswer((accept: string): Negotiated => negotiateEncoding(accept, choose));

  const compressible = (headers: ResponseHeaders): boolean => {
    const value = firstHeaderValue(headers['content-type']);
    // Traefik's own writer filters only responses that name a type.
    if (value === '') return true;
    return typeCompressible(value);
  };

  return (ctx: RequestContext): void => {
    if (ctx.method === 'HEAD' || ctx.upgrade !== null) return next(ctx);
    // Request side: an excluded request type (text/event-stream, gRPC) turns compression off.
    const requestType = ctx.req.headers['content-type'];
    if (requestType !== undefined && excludedRequestTypes.has(parseMediaType(requestType)?.type ?? '')) return next(ctx);
    const accept = acceptEncodingOf(ctx.req.headers);
    const chosen = accept === undefined ? negotiateEncoding(undefined, choose) : negotiate(accept);
    if (chosen === IDENTITY || chosen === NOT_ACCEPTABLE) return next(ctx);
    responseHooks(ctx).body = bodyHook(ctx, chosen as ZlibEncoding, gzipOffered, minSize, compressible);
    next(ctx);
  };
}

// The hook is made here, not inline in the middleware's per-request function. Made there, on node 24 (V8 13; not
// node 20), about a tenth of the young generation survived each scavenge under load once warm and was promoted
// (each request's context, head and response among it), and the seed's chain promoted nothing without compress.
// Made by a function of its own it promotes nothing (test/integration/cli/request-objects-young.test.ts, which runs
// on the image's node too). Why V8 keeps the others was not found.

/** compress's body hook for one request: `Vary`, then the answer compressed when its type and size allow. */
function bodyHook(ctx: RequestContext, encoding: ZlibEncoding, gzipOffered: boolean, minSize: number, compressible: (headers: ResponseHeaders) => boolean): NonNullable<ResponseHooks['body']> {
  return (status, headers, sendHead) => {
    addVary(headers);
    return compressible(headers) ? compressedBody(ctx, encoding, gzipOffered, minSize, status, headers, sendHead) : null;
  };
}

/** `Vary: Accept-Encoding` is added (Header.Add) whenever an encoding was chosen, compressed or not. */
function addVary(headers: ResponseHeaders): void {
  const existing = headers.vary;
  if (existing === undefined) headers.vary = 'Accept-Encoding';
  else headers.vary = [...(Array.isArray(existing) ? existing : [existing]), 'Accept-Encoding'];
}
