// Topology -> docker-compose YAML (file format 3.8: docker-compose v1.29 and `docker compose` v2 both read it).
import { stringify } from 'yaml';
import { appLabels, CERT_RESOLVER, composeLabels, edgeLabels } from './labels.js';
import { ACME_EMAIL_ENV, appServiceNames, topologyFlags, type Topology } from './topology.js';

/** The image's entrypoint is `node /app/dist/operator/cli/main.js`; a healthcheck runs outside it. */
export const EDGE_CLI = ['node', '/app/dist/operator/cli/main.js'] as const;
export const EDGE_CONFIG_FILE = '/etc/traefik/traefik.yml';
export const CERTIFICATES_VOLUME = 'letsencrypt';
/** The `monitoring` profile: Prometheus beside the stack, started only with `--profile monitoring`. */
export const MONITORING_PROFILE = 'monitoring';
export const PROMETHEUS_IMAGE = 'prom/prometheus:v2.53.3';
export const PROMETHEUS_VOLUME = 'prometheus-data';
/** The metrics entrypoint (traefik.yml's `metrics`, :8082) as published: loopback only. */
export const METRICS_PUBLISH = '127.0.0.1:8082:8082';
/** Static configuration mounted in dev: plain HTTP, no certificate resolver (the seed's redirects to HTTPS). */
export const DEV_STATIC_CONFIG = './examples/compose/traefik.dev.yml';

/**
 * The resolver's account email, read from the environment at `up` (compose refuses to start without it). A flag
 * layers on top of traefik.yml, so it replaces the file's `certificatesResolvers.letsencrypt.acme.email`.
 */
export function acmeEmailFlag(): string {
  return `--certificatesResolvers.${CERT_RESOLVER}.acme.email=\${${ACME_EMAIL_ENV}:?set ${ACME_EMAIL_ENV} to the address Let's Encrypt should write to}`;
}

type ComposeService = Record<string, unknown>;
export interface ComposeFile {
  version: string;
  services: Record<string, ComposeService>;
  networks: Record<string, { name: string; driver: string }>;
  volumes?: Record<string, Record<string, never>>;
}

function edgeService(t: Topology): ComposeService {
  // /metrics has no authentication: published on the host's loopback only (Prometheus uses the compose network).
  const ports = t.dev ? ['127.0.0.1:8080:80', METRICS_PUBLISH] : ['80:80', '443:443', METRICS_PUBLISH];
  const volumes = [
    '/var/run/docker.sock:/var/run/docker.sock:ro',
    ...(t.dev ? [] : [`${CERTIFICATES_VOLUME}:/letsencrypt`]),
    `${t.dev ? DEV_STATIC_CONFIG : './traefik.yml'}:${EDGE_CONFIG_FILE}:ro`,
    './dynamic.yml:/etc/traefik/dynamic.yml:ro',
  ];
  return {
    image: t.edgeImage,
    // Dev has no certificate resolver: a flag naming one would create it.
    command: [`--configFile=${EDGE_CONFIG_FILE}`, ...(t.dev ? [] : [acmeEmailFlag()])],
    restart: 'unless-stopped',
    ports,
    volumes,
    // No group_add: the image starts as root only to join the mounted socket's group, whatever its id on this
    // host, and then runs as its non-root user (operator/cli/drop-privileges.ts).
    networks: [t.network],
    healthcheck: {
      test: ['CMD', ...EDGE_CLI, 'healthcheck', `--configFile=${EDGE_CONFIG_FILE}`],
      interval: '10s',
      timeout: '5s',
      retries: 3,
      start_period: '10s',
    },
    labels: composeLabels(t, edgeLabels(t)),
  };
}

/** Probe /health with what the image is assumed to have; `none` leaves health to the edge's checks. */
export function appHealthcheck(t: Topology): ComposeService | undefined {
  const url = `http://127.0.0.1:${t.appPort}/health`;
  const test: Record<Topology['appHealthcheck'], string[] | undefined> = {
    node: ['CMD', 'node', '-e', `fetch('${url}').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`],
    wget: ['CMD', 'wget', '-q', '--spider', url],
    curl: ['CMD', 'curl', '-fsS', '-o', '/dev/null', url],
    none: undefined,
  };
  const chosen = test[t.appHealthcheck];
  return chosen === undefined ? undefined : { test: chosen, interval: '10s', timeout: '5s', retries: 3, start_period: '30s' };
}

function appService(t: Topology, name: string): ComposeService {
  const healthcheck = appHealthcheck(t);
  return {
    image: t.appImage,
    // Where `pe-edge compose scale` keeps the count: every `up` (Compose v2, docker-compose 1.27+) starts this many.
    deploy: { replicas: 1 },
    restart: 'unless-stopped',
    environment: {
      INSTANCE_NAME: name,
      PORT: String(t.appPort),
      NODE_ENV: t.dev ? 'development' : 'production',
    },
    expose: [String(t.appPort)],
    networks: [t.network],
    ...(healthcheck === undefined ? {} : { healthcheck }),
    labels: composeLabels(t, appLabels(t)),
  };
}

/**
 * Prometheus scraping the edge's metrics entrypoint (:8082) over the compose network, with the alert rules of
 * examples/monitoring. In a profile, so a plain `up` starts only the edge and the apps. Its UI stays on loopback:
 * Prometheus has no authentication.
 */
function prometheusService(t: Topology): ComposeService {
  return {
    image: PROMETHEUS_IMAGE,
    profiles: [MONITORING_PROFILE],
    restart: 'unless-stopped',
    command: ['--config.file=/etc/prometheus/prometheus.yml', '--storage.tsdb.path=/prometheus', '--storage.tsdb.retention.time=15d'],
    ports: ['127.0.0.1:9090:9090'],
    volumes: [
      './examples/monitoring/prometheus.yml:/etc/prometheus/prometheus.yml:ro',
      './examples/monitoring/alerts.yml:/etc/prometheus/alerts.yml:ro',
      `${PROMETHEUS_VOLUME}:/prometheus`,
    ],
    networks: [t.network],
    depends_on: ['pe-edge'],
  };
}

/** The compose document as an object (what `generateCompose` serialises). */
export function composeModel(t: Topology): ComposeFile {
  const services: Record<string, ComposeService> = { 'pe-edge': edgeService(t) };
  for (const name of appServiceNames(t)) services[name] = appService(t, name);
  services['prometheus'] = prometheusService(t);
  return {
    version: '3.8',
    services,
    // `name:` pins the Docker network name, so `traefik.docker.network` and the static
    // `providers.docker.network` match whatever the compose project is called.
    networks: { [t.network]: { name: t.network, driver: 'bridge' } },
    volumes: t.dev ? { [PROMETHEUS_VOLUME]: {} } : { [CERTIFICATES_VOLUME]: {}, [PROMETHEUS_VOLUME]: {} },
  };
}

/** The `pe-edge compose generate` flags that reproduce `t` (those that differ from the defaults). */
export function generateFlags(t: Topology): string[] {
  return t.dev ? ['--dev', ...topologyFlags(t)] : topologyFlags(t);
}

function header(t: Topology): string {
  const d = t.dashboard;
  const auth = 'usersFromEnv' in d
    ? [
        `# Dashboard credentials are not in this file: export ${d.usersFromEnv}='admin:$apr1$...' (single quotes)`,
        `# before \`up\`; \`pe-edge compose password\` prints a fresh one. Compose refuses to start without it.`,
      ]
    : ['# Contains the dashboard password HASH (not the password). Keep this file out of public repositories.'];
  const acme = t.dev ? [] : [
    `# The Let's Encrypt account email is not in this file${'usersFromEnv' in d ? ' either' : ''}: export ${ACME_EMAIL_ENV}=you@example.com before \`up\`;`,
    `# it replaces traefik.yml's certificatesResolvers.${CERT_RESOLVER}.acme.email. Compose refuses to start without it.`,
  ];
  return [
    `# Pixelated Empathy behind pe-edge: ${appServiceNames(t).join(', ')} in one load-balanced pool${t.dev ? ' (development: plain HTTP on 127.0.0.1)' : ''}.`,
    `# \`docker compose --profile ${MONITORING_PROFILE} up -d\` also starts Prometheus (127.0.0.1:9090) with examples/monitoring's alerts.`,
    `# /metrics (:8082) is published on 127.0.0.1 only: that Prometheus scrapes pe-edge:8082 over ${t.network}; a Prometheus`,
    `# elsewhere joins that network (or reaches this host's loopback through a tunnel): never publish 8082 to the world.`,
    `# Generated by: pe-edge compose generate ${generateFlags(t).join(' ')}`.trimEnd(),
    '# Do not edit by hand: change the topology and regenerate. The exception is each app\'s deploy.replicas, which',
    `# \`pe-edge compose scale app=${2 * t.replicas}\` (the pool) or \`scale app1=2\` sets, so that every later \`up\` keeps that many.`,
    ...auth,
    ...acme,
    '',
  ].join('\n');
}

/** YAML text of the compose file, with a header comment saying how it was made. */
export function generateCompose(t: Topology): string {
  // Every value quoted: docker-compose v1 reads YAML 1.1 (PyYAML), where "22:22" is the integer 1342.
  return header(t) + stringify(composeModel(t), { lineWidth: 0, defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' });
}
