import type { ProxyRequest, RequestContext } from './request-context.js';
import { BODY_FRAMING_HEADERS } from './request-body-framing.js';

/**
 * Request-header edits by middlewares (Go's req.Header.Set/Add/Del). The forwarder builds the upstream
 * request from `req.rawHeaders`, matchers and middlewares read `req.headers`: both are edited in place
 * (HTTP/2's compat request exposes them through getters, so they are never reassigned).
 */

/*
 * Content-Length and Transfer-Encoding (BODY_FRAMING_HEADERS) frame the client's body: Go's transport writes them
 * from the body and skips them in the header map, so what a middleware's options put there (customRequestHeaders,
 * forwardAuth's authResponseHeaders, a basicAuth headerField) never reaches the backend. Here such edits change
 * nothing: a length shorter than the body would hand the rest of it to the backend as a request of its own, past
 * every middleware.
 */

/** Replaces every value of `name` with `value`. */
export function setRequestHeader(ctx: RequestContext, name: string, value: string): void {
  const lower = name.toLowerCase();
  if (BODY_FRAMING_HEADERS.has(lower)) return;
  const req = ctx.req;
  removeFlat(req.rawHeaders, lower);
  req.rawHeaders.push(name, value);
  req.headers[lower] = lower === 'set-cookie' ? [value] : value;
  const own = (ctx.ownHeaders ??= []);
  removeFlat(own, lower);
  own.push(name, value);
}

/** Appends one more value of `name`, as Go's Header.Add (node joins repeats with ", " in `headers`). */
export function addRequestHeader(ctx: RequestContext, name: string, value: string): void {
  const lower = name.toLowerCase();
  if (BODY_FRAMING_HEADERS.has(lower)) return;
  const req = ctx.req;
  req.rawHeaders.push(name, value);
  const headers = req.headers;
  const current = headers[lower];
  if (current === undefined) headers[lower] = lower === 'set-cookie' ? [value] : value;
  else if (Array.isArray(current)) current.push(value);
  else headers[lower] = `${current}, ${value}`;
  (ctx.ownHeaders ??= []).push(name, value);
}

/** Removes every value of `name`, the client's and any a middleware set. */
export function deleteRequestHeader(ctx: RequestContext, name: string): void {
  if (BODY_FRAMING_HEADERS.has(name.toLowerCase())) return;
  removeRequestHeader(ctx.req, name);
  // Non-null from now on: matchers of child routers read the edited rawHeaders, not node's cached headersDistinct.
  removeFlat((ctx.ownHeaders ??= []), name.toLowerCase());
}

/**
 * The body's length is unknown from here: a middleware rewrites the body as it streams (grpcWeb), and it goes
 * upstream chunked. pe-edge's own decision, never an option's (see BODY_FRAMING_HEADERS).
 */
export function forgetRequestLength(ctx: RequestContext): void {
  removeRequestHeader(ctx.req, 'content-length');
  ctx.ownHeaders ??= [];
}

/** Removes every value of `name` the client sent (before any middleware ran). */
export function removeRequestHeader(req: ProxyRequest, name: string): void {
  const lower = name.toLowerCase();
  removeFlat(req.rawHeaders, lower);
  delete req.headers[lower];
}

/**
 * Removes every value of each name in `lowerNames` (lower-case) the client sent, in one pass over the head: a client
 * may list thousands of its own headers in Connection, and a pass per name would cost their count squared.
 */
export function removeRequestHeaders(req: ProxyRequest, lowerNames: ReadonlySet<string>): void {
  if (lowerNames.size === 0) return;
  removeFlat(req.rawHeaders, lowerNames);
  for (const lower of lowerNames) delete req.headers[lower];
}

/** Drops every pair named `lower` (or any name of the set) from a flat [name, value, ...] list, in place. */
function removeFlat(raw: string[], lower: string | ReadonlySet<string>): void {
  const drops = typeof lower === 'string' ? (name: string): boolean => name === lower : (name: string): boolean => lower.has(name);
  let w = 0;
  for (let r = 0; r < raw.length; r += 2) {
    if (drops((raw[r] as string).toLowerCase())) continue;
    raw[w] = raw[r] as string;
    raw[w + 1] = raw[r + 1] as string;
    w += 2;
  }
  raw.length = w;
}

/** Go's Header.Get on a parsed header: the first value, '' when absent. */
export function firstHeaderValue(v: string | readonly string[] | undefined): string {
  if (v === undefined) return '';
  return typeof v === 'string' ? v : (v[0] ?? '');
}
