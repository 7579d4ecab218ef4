import { goStatusText } from '../http/go-status-text.js';
import type { Handler, RequestContext } from '../http/request-context.js';
import { sendBody } from '../http/traefik-responses.js';
import { createRedirectScheme } from '../middlewares/redirect-scheme.js';
import type { BuildInput, Lifecycle } from './build-input.js';

/** A router pe-edge adds itself (`@internal`), with Traefik's names, rules and priorities. */
export interface InternalRoute {
  name: string;
  entryPoint: string;
  rule: string;
  priority: number;
  handler: Handler;
}

// Go's math.MaxInt, as far as a double holds it: internal routers outrank every user router.
const MAX_INT = Number.MAX_SAFE_INTEGER;

/** `@internal` services users may route to (manualRouting). */
export function internalServices(input: BuildInput, lifecycle: Lifecycle, api: Handler | null): ReadonlyMap<string, Handler> {
  const services = new Map<string, Handler>();
  if (input.ping !== null) services.set('ping@internal', pingHandler(lifecycle, input.ping.terminatingStatusCode ?? 503));
  if (input.metrics != null) services.set('prometheus@internal', input.metrics.handler);
  if (api !== null) services.set('api@internal', api);
  return services;
}

/** `api` is the `api@internal` handler (null when the API is off). */
export function internalRoutes(input: BuildInput, lifecycle: Lifecycle, api: Handler | null): { routes: InternalRoute[]; errors: string[] } {
  const routes: InternalRoute[] = [];
  const errors: string[] = [];
  if (api !== null && input.api?.insecure === true) {
    if (input.entryPoints.traefik === undefined) errors.push('api.insecure: entryPoint "traefik" doesn\'t exist');
    else routes.push({ name: 'api@internal', entryPoint: 'traefik', rule: 'PathPrefix(`/api`)', priority: MAX_INT - 1, handler: api });
  }
  const ping = input.ping;
  if (ping !== null && ping.entryPoint !== null) {
    if (input.entryPoints[ping.entryPoint] === undefined) {
      errors.push(`ping: entryPoint "${ping.entryPoint}" doesn't exist`);
    } else {
      routes.push({ name: 'ping@internal', entryPoint: ping.entryPoint, rule: 'PathPrefix(`/ping`)', priority: MAX_INT, handler: pingHandler(lifecycle, ping.terminatingStatusCode ?? 503) });
    }
  }
  const metrics = input.metrics;
  if (metrics != null && metrics.entryPoint !== null) {
    if (input.entryPoints[metrics.entryPoint] === undefined) {
      errors.push(`metrics.prometheus: entryPoint "${metrics.entryPoint}" doesn't exist`);
    } else {
      routes.push({ name: 'prometheus@internal', entryPoint: metrics.entryPoint, rule: 'PathPrefix(`/metrics`)', priority: MAX_INT, handler: metrics.handler });
    }
  }
  for (const [epName, ep] of Object.entries(input.entryPoints)) {
    const redirect = ep.http?.redirections?.entryPoint;
    if (redirect === undefined) continue;
    const port = targetPort(input, redirect.to);
    if (port === undefined) {
      errors.push(`entryPoint "${epName}": redirection target entryPoint "${redirect.to}" doesn't exist`);
      continue;
    }
    const name = `${epName}-to-${redirect.to.replace(/^:/, '')}`.replace(/[^a-zA-Z0-9-]/g, '-');
    routes.push({
      name: `${name}@internal`,
      entryPoint: epName,
      rule: 'HostRegexp(`^.+$`)',
      priority: redirect.priority ?? MAX_INT - 1,
      handler: createRedirectScheme({ scheme: redirect.scheme ?? 'https', port, permanent: redirect.permanent ?? true }, noopHandler),
    });
  }
  return { routes, errors };
}

/** `to` is an entrypoint name or ":port" (Traefik); the redirect carries the target's port. */
function targetPort(input: BuildInput, to: string): string | undefined {
  const literal = /^:(\d+)$/.exec(to);
  if (literal !== null) return literal[1];
  const target = input.entryPoints[to];
  if (target === undefined) return undefined;
  const match = /:(\d+)(?:\/(?:tcp|udp))?$/.exec(target.address);
  return match?.[1] ?? '';
}

/** Traefik's ping: 200 `OK`, and from shutdown on `terminatingStatusCode` with its status text. */
function pingHandler(lifecycle: Lifecycle, terminatingStatusCode: number): Handler {
  return (ctx: RequestContext): void => {
    const status = lifecycle.terminating ? terminatingStatusCode : 200;
    // Go writes no body where the status allows none (a 204 terminatingStatusCode).
    const body = status === 204 || status === 304 || status < 200 ? '' : goStatusText(status);
    sendBody(ctx, status, null, body);
  };
}

/** noop@internal: reached only when a redirect target equals the request; Traefik answers 418. */
const noopHandler: Handler = (ctx) => {
  sendBody(ctx, 418, null, '');
};
