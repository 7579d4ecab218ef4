// Keys of later Traefik v3 lines that pe-edge accepts (so a file or label written for them loads)
// but does not act on yet: each is warned about by name when set, never silently without effect.
import { notImplemented, type ConfigIssue, type IssuePath as Path } from '../issues.js';
import type { Middleware } from './middlewares/index.js';
import type { Router } from './routers.js';
import type { ServersTransport } from './servers-transports.js';

const UNIMPLEMENTED: Readonly<Record<string, readonly string[]>> = {
  retry: ['timeout', 'maxRequestBodyBytes', 'status', 'disableRetryOnNetworkError', 'retryNonIdempotentMethod'],
  rateLimit: ['redis'],
};

// What a user of the key needs to hear beyond "ignored".
const WHAT_INSTEAD: Readonly<Record<string, string>> = {
  'rateLimit.redis': 'shared Redis counting (Traefik v3.4) is not implemented yet in pe-edge; ignored: the limit is counted by each pe-edge edge (one process, or all its --workers together), not across edges',
};

export function middlewareOptionsNotImplemented(m: Middleware, path: Path, name: string): ConfigIssue[] {
  const item = { kind: 'middleware', name } as const;
  const out: ConfigIssue[] = [];
  for (const [type, keys] of Object.entries(UNIMPLEMENTED)) {
    const options = (m as Record<string, Record<string, unknown> | undefined>)[type];
    if (options === undefined) continue;
    for (const key of keys) if (options[key] !== undefined) out.push(notImplemented([...path, type, key], item, WHAT_INSTEAD[`${type}.${key}`]));
  }
  return out;
}

export function routerOptionsNotImplemented(r: Router, path: Path, name: string): ConfigIssue[] {
  if (r.observability?.traceVerbosity === undefined) return [];
  return [notImplemented([...path, 'observability', 'traceVerbosity'], { kind: 'router', name })];
}

/** serversTransports keys pe-edge does not act on: SPIFFE. */
export function serversTransportOptionsNotImplemented(t: ServersTransport, path: Path, name: string): ConfigIssue[] {
  return t.spiffe === undefined ? [] : [notImplemented([...path, 'spiffe'], { kind: 'serversTransport', name })];
}
