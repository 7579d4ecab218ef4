// The traefik.* labels of the edge (dashboard router) and of every app container (one shared pool).
import type { Topology } from './topology.js';
import { htpasswdLine } from './password.js';

export type Labels = Readonly<Record<string, string>>;

/** Router and service names in the labels; the `@file` middlewares are the seed's dynamic.yml ones. */
export const APP_ROUTER = 'app';
export const APP_SERVICE = 'app';
export const DASHBOARD_ROUTER = 'dashboard';
export const DASHBOARD_AUTH = 'dashboard-auth';
/** The seed's app router chain (dynamic.yml `routers.app.middlewares`), referenced across providers. */
export const APP_MIDDLEWARES = ['security-headers@file', 'rate-limit@file', 'compression@file', 'circuit-breaker@file', 'retry@file'] as const;
export const CERT_RESOLVER = 'letsencrypt';
export const STICKY_COOKIE = 'pe_session';

const hostRule = (...hosts: string[]): string => hosts.map((h) => `Host(\`${h}\`)`).join(' || ');

/** The label carrying the dashboard's `user:hash` entries. */
export const DASHBOARD_USERS_LABEL = `traefik.http.middlewares.${DASHBOARD_AUTH}.basicauth.users`;

/**
 * Either the literal `user:hash`, or a compose `${VAR:?message}` that fails `up` loudly when unset.
 * The second is compose syntax, not a label value: the generator must not escape its `$`.
 */
export function dashboardUsers(t: Topology): string {
  const d = t.dashboard;
  if ('usersFromEnv' in d) {
    // No `-` in the message: docker stack's interpolation reads `${A:?x-y}` as `A:?x` with the default `y`.
    return `\${${d.usersFromEnv}:?set ${d.usersFromEnv} to user:hash (the compose password command prints one)}`;
  }
  return htpasswdLine(d.user, d.passwordHash);
}

function entryAndTls(t: Topology, router: string): Record<string, string> {
  const r = `traefik.http.routers.${router}`;
  return t.dev
    ? { [`${r}.entrypoints`]: 'web' }
    : { [`${r}.entrypoints`]: 'websecure', [`${r}.tls.certresolver`]: CERT_RESOLVER };
}

/** Labels of the edge container: the dashboard and API behind basicAuth on `traefik.<domain>`. */
export function edgeLabels(t: Topology): Labels {
  const r = `traefik.http.routers.${DASHBOARD_ROUTER}`;
  return {
    'traefik.enable': 'true',
    [`${r}.rule`]: hostRule(`traefik.${t.domain}`),
    [`${r}.service`]: 'api@internal',
    ...entryAndTls(t, DASHBOARD_ROUTER),
    [`${r}.middlewares`]: DASHBOARD_AUTH,
    [DASHBOARD_USERS_LABEL]: dashboardUsers(t),
  };
}

/**
 * Labels of every app container. They must be identical across app1..appN: Traefik (and pe-edge)
 * merge same-named services only when their definitions match, into one service with N servers.
 */
export function appLabels(t: Topology): Labels {
  const r = `traefik.http.routers.${APP_ROUTER}`;
  const lb = `traefik.http.services.${APP_SERVICE}.loadbalancer`;
  return {
    'traefik.enable': 'true',
    'traefik.docker.network': t.network,
    [`${r}.rule`]: hostRule(t.domain, `www.${t.domain}`),
    ...entryAndTls(t, APP_ROUTER),
    [`${r}.service`]: APP_SERVICE,
    [`${r}.middlewares`]: APP_MIDDLEWARES.join(','),
    [`${lb}.server.port`]: String(t.appPort),
    [`${lb}.healthcheck.path`]: '/health',
    [`${lb}.healthcheck.interval`]: '30s',
    [`${lb}.healthcheck.timeout`]: '5s',
    [`${lb}.sticky.cookie.name`]: STICKY_COOKIE,
    // A Secure cookie is not sent back over plain HTTP outside localhost; dev serves plain HTTP.
    [`${lb}.sticky.cookie.secure`]: String(!t.dev),
    [`${lb}.sticky.cookie.httponly`]: 'true',
  };
}

/** Compose interpolates `$`: a literal `$` (bcrypt/apr1 hashes) must be written `$$`. */
export function escapeComposeDollars(value: string): string {
  return value.replaceAll('$', '$$$$');
}


/** Label values as compose must spell them: every literal `$` doubled, the env reference left as is. */
export function composeLabels(t: Topology, labels: Labels): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels)) {
    out[key] = key === DASHBOARD_USERS_LABEL && 'usersFromEnv' in t.dashboard ? value : escapeComposeDollars(value);
  }
  return out;
}

/**
 * The seed dynamic.yml's narrower routers on the app pool: on Swarm they are labels, since the seed's file service
 * names app1..app3, Compose service names that do not exist in a stack.
 */
export const SEED_PATH_ROUTERS = {
  api: { pathPrefix: '/api', priority: 100, middlewares: ['security-headers@file', 'api-rate-limit@file', 'retry@file'] },
  auth: { pathPrefix: '/api/auth', priority: 200, middlewares: ['security-headers@file', 'auth-rate-limit@file'] },
} as const;

/**
 * The app service's labels on Swarm (under `deploy.labels`: Swarm providers read the service's labels, not its
 * containers'): the Compose ones with `traefik.swarm.network` in place of `traefik.docker.network`, and the seed's
 * `api` and `auth` routers. The `server.port` label is required there: Swarm gives no port to detect.
 */
export function swarmAppLabels(t: Topology): Labels {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(appLabels(t))) out[key === 'traefik.docker.network' ? 'traefik.swarm.network' : key] = value;
  for (const [name, seed] of Object.entries(SEED_PATH_ROUTERS)) {
    const r = `traefik.http.routers.${name}`;
    out[`${r}.rule`] = `Host(\`${t.domain}\`) && PathPrefix(\`${seed.pathPrefix}\`)`;
    out[`${r}.priority`] = String(seed.priority);
    Object.assign(out, entryAndTls(t, name));
    out[`${r}.service`] = APP_SERVICE;
    out[`${r}.middlewares`] = seed.middlewares.join(',');
  }
  return out;
}

/** The service the edge's own labels define so that their dashboard router is kept on Swarm; nothing routes to it. */
export const EDGE_PLACEHOLDER_SERVICE = 'pe-edge';

/**
 * The edge service's labels on Swarm. Labels that define routers but no service get a default service for the
 * Swarm service, which needs a port Swarm cannot give: without one, Traefik drops every label of that service
 * ("port is missing"). Naming a port keeps the dashboard router; the service itself is unused (Traefik's Swarm
 * guide does the same).
 */
export function swarmEdgeLabels(t: Topology): Labels {
  return { ...edgeLabels(t), [`traefik.http.services.${EDGE_PLACEHOLDER_SERVICE}.loadbalancer.server.port`]: '8080' };
}
