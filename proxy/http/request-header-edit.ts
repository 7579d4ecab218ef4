import type { IncomingHttpHeaders } from 'node:http';
import type { ProxyRequest } from './request-context.js';

/**
 * Request-header edits by middlewares (Go's req.Header.Set/Add/Del). The forwarder builds the upstream
 * request from `req.rawHeaders`, matchers and middlewares read `req.headers`: both are edited in place
 * (HTTP/2's compat request exposes them through getters, so they are never reassigned).
 */

/**
 * Values middlewares put in each header, by request. The forwarder drops an untrusted peer's
 * X-Forwarded-* (Traefik removes them at the entrypoint, before any middleware runs); the values
 * recorded here were set after that point in Traefik's order, so they must survive.
 */
const OWNED = new WeakMap<ProxyRequest, string[]>();

/** Replaces every value of `name` with `value`. */
export function setRequestHeader(req: ProxyRequest, name: string, value: string): void {
  const lower = name.toLowerCase();
  removeFlat(req.rawHeaders, lower);
  req.rawHeaders.push(name, value);
  headersOf(req)[lower] = lower === 'set-cookie' ? [value] : value;
  const own = owned(req);
  removeFlat(own, lower);
  own.push(name, value);
}

/** Appends one more value of `name`, as Go's Header.Add (node joins repeats with ", " in `headers`). */
export function addRequestHeader(req: ProxyRequest, name: string, value: string): void {
  const lower = name.toLowerCase();
  req.rawHeaders.push(name, value);
  const headers = headersOf(req);
  const current = headers[lower];
  if (current === undefined) headers[lower] = lower === 'set-cookie' ? [value] : value;
  else if (Array.isArray(current)) current.push(value);
  else headers[lower] = `${current}, ${value}`;
  owned(req).push(name, value);
}

/** Removes every value of `name`. */
export function deleteRequestHeader(req: ProxyRequest, name: string): void {
  const lower = name.toLowerCase();
  removeFlat(req.rawHeaders, lower);
  delete headersOf(req)[lower];
  const own = OWNED.get(req);
  if (own !== undefined) removeFlat(own, lower);
}

/** Headers middlewares set on this request, flat [name, value, ...] like rawHeaders; undefined when none. */
export function middlewareSetHeaders(req: ProxyRequest): readonly string[] | undefined {
  return OWNED.get(req);
}

function owned(req: ProxyRequest): string[] {
  let list = OWNED.get(req);
  if (list === undefined) {
    list = [];
    OWNED.set(req, list);
  }
  return list;
}

function headersOf(req: ProxyRequest): Record<string, string | string[] | undefined> {
  return req.headers as IncomingHttpHeaders as Record<string, string | string[] | undefined>;
}

/** Drops every pair named `lower` from a flat [name, value, ...] list, in place. */
function removeFlat(raw: string[], lower: string): void {
  let w = 0;
  for (let r = 0; r < raw.length; r += 2) {
    if ((raw[r] as string).toLowerCase() === lower) continue;
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
