import { isBodilessStatus } from '../http/bodiless-status.js';
import { goStatusText } from '../http/go-status-text.js';
import { hostOrWhole } from '../http/host-port.js';
import type { Handler, RequestContext } from '../http/request-context.js';
import { sendBody } from '../http/traefik-responses.js';
import { createRedirectScheme } from '../middlewares/redirect-scheme.js';
import { rulePriority } from '../rules/priority.js';
import { serveInsecureDashboard } from '../api/dashboard/dashboard.js';
import type { AcmeChallengeStore } from '../tls/acme-challenges.js';
import { PING_PROVIDERS_HEADER, type BuildInput, type Lifecycle } from './build-input.js';

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
    else {
      routes.push({ name: 'api@internal', entryPoint: 'traefik', rule: 'PathPrefix(`/api`)', priority: MAX_INT - 1, handler: api });
      // Traefik's dashboard@internal: `/` redirects to /dashboard/, which serves the page.
      if (input.api.dashboard === true) routes.push({ name: 'dashboard@internal', entryPoint: 'traefik', rule: 'PathPrefix(`/`)', priority: MAX_INT - 2, handler: serveInsecureDashboard });
    }
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
  routes.push(...acmeHttpRoutes(input, errors));
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

const ACME_HTTP_RULE = 'PathPrefix(`/.well-known/acme-challenge/`)';

/**
 * Traefik's acme routers: `acme-http@internal` at MaxInt (above the entrypoint's redirection) on each
 * httpChallenge entrypoint, or `acme-http-bypass@internal` at the rule's default priority where the entrypoint
 * has allowACMEByPass, so a user router may answer the challenges itself.
 */
function acmeHttpRoutes(input: BuildInput, errors: string[]): InternalRoute[] {
  const acme = input.acme;
  if (acme == null) return [];
  const routes: InternalRoute[] = [];
  const handler = acmeHttp01Handler(acme.challenges);
  const done = new Set<string>();
  for (const [resolver, epName] of Object.entries(acme.httpChallengeEntryPoints)) {
    const ep = input.entryPoints[epName];
    if (ep === undefined) {
      errors.push(`certificatesResolvers.${resolver}.acme.httpChallenge: entryPoint "${epName}" doesn't exist`);
      continue;
    }
    if (done.has(epName)) continue;
    done.add(epName);
    const bypass = ep.allowACMEByPass === true;
    routes.push({
      name: bypass ? 'acme-http-bypass@internal' : 'acme-http@internal',
      entryPoint: epName,
      rule: ACME_HTTP_RULE,
      priority: bypass ? rulePriority(ACME_HTTP_RULE) : MAX_INT,
      handler,
    });
  }
  return routes;
}

// lego's http01.PathPrefix followed by one segment, as Traefik's getPathParam reads it.
const ACME_CHALLENGE_PATH = /^\/\.well-known\/acme-challenge\/([^/]+)\/?$/;

/**
 * acme-http@internal, as Traefik's ChallengeHTTP.ServeHTTP: the key authorization for (token, Host without
 * its port) with 200, else 404 with an empty body. Go sniffs the body's type (a key authorization is
 * base64url and a dot: text/plain).
 */
function acmeHttp01Handler(store: AcmeChallengeStore): Handler {
  return (ctx: RequestContext): void => {
    const token = ACME_CHALLENGE_PATH.exec(ctx.path)?.[1];
    const keyAuthorization = token === undefined ? undefined : store.http01(token, hostOrWhole(ctx.hostHeader));
    if (keyAuthorization === undefined || keyAuthorization === '') sendBody(ctx, 404, null, '');
    else sendBody(ctx, 200, 'text/plain; charset=utf-8', keyAuthorization);
  };
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

/**
 * Traefik's ping: 200 `OK`, and from shutdown on `terminatingStatusCode` with its status text. Asked by
 * `pe-edge healthcheck` (PING_PROVIDERS_HEADER), it also answers 503 naming each provider that cannot reach its source.
 */
function pingHandler(lifecycle: Lifecycle, terminatingStatusCode: number): Handler {
  return (ctx: RequestContext): void => {
    if (!lifecycle.terminating && lifecycle.providerProblems.size > 0 && ctx.req.headers[PING_PROVIDERS_HEADER] !== undefined) {
      sendBody(ctx, 503, 'text/plain; charset=utf-8', [...lifecycle.providerProblems.values()].join('\n'));
      return;
    }
    const status = lifecycle.terminating ? terminatingStatusCode : 200;
    // Go writes no body where the status allows none (a 204 terminatingStatusCode).
    const body = isBodilessStatus(status) ? '' : goStatusText(status);
    sendBody(ctx, status, null, body);
  };
}

/** noop@internal: reached only when a redirect target equals the request; Traefik answers 418. */
const noopHandler: Handler = (ctx) => {
  sendBody(ctx, 418, null, '');
};
