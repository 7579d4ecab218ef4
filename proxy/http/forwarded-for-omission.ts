import type { ProxyRequest } from './request-context.js';

// Traefik's headers middleware turns `customRequestHeaders: {X-Forwarded-For: ""}` into a nil header,
// which tells Go's ReverseProxy to send no X-Forwarded-For at all (not even the client IP).
const OMITTED = new WeakSet<ProxyRequest>();

/** The forwarder sends this request without X-Forwarded-For. */
export function omitForwardedFor(req: ProxyRequest): void {
  OMITTED.add(req);
}

export function forwardedForOmitted(req: ProxyRequest): boolean {
  return OMITTED.has(req);
}
