// Traefik v3.7 entryPoints.<name>.http.underscoreHeadersStrategy (pkg/server/server_entrypoint_tcp.go): what a request
// header whose name holds '_' gets before anything else reads it. Some backends (CGI, nginx's default) read `X_User`
// as `X-User`, so a header a middleware vetted under one spelling could reach them under the other.
import type { ProxyRequest } from '../http/request-context.js';
import { removeRequestHeaders } from '../http/request-header-edit.js';

export type UnderscoreHeadersStrategy = 'keep' | 'delete' | 'reject';

/** Whether any request header's name holds '_' (HTTP/2 pseudo-headers never do). */
export function hasUnderscoreHeader(req: ProxyRequest): boolean {
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) if ((raw[i] as string).includes('_')) return true;
  return false;
}

/** Removes every request header whose name holds '_' (Go's removeHeadersWithUnderscores). */
export function deleteUnderscoreHeaders(req: ProxyRequest): void {
  const raw = req.rawHeaders;
  const names = new Set<string>();
  for (let i = 0; i < raw.length; i += 2) if ((raw[i] as string).includes('_')) names.add((raw[i] as string).toLowerCase());
  removeRequestHeaders(req, names);
}
