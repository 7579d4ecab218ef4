// Topology -> a Docker Swarm stack file (`docker stack deploy -c <file> pe`): the same edge and app pool as the
// compose file, with what Swarm needs instead of what only Compose reads.
import { stringify } from 'yaml';
import { acmeEmailFlag, appHealthcheck, CERTIFICATES_VOLUME, EDGE_CLI, EDGE_CONFIG_FILE } from './generate.js';
import { composeLabels, swarmAppLabels, swarmEdgeLabels } from './labels.js';
import { ACME_EMAIL_ENV, topologyFlags, type Topology } from './topology.js';

/** The stack's static configuration: the seed traefik.yml with `providers.swarm` in place of `providers.docker`. */
export const SWARM_STATIC_CONFIG = './examples/swarm/traefik.yml';
/** The seed's middlewares and TLS options; its routers are labels on Swarm (see `swarmAppLabels`). */
export const SWARM_DYNAMIC_CONFIG = './examples/swarm/dynamic.yml';
export const DYNAMIC_CONFIG_TARGET = '/etc/traefik/dynamic.yml';
/**
 * Swarm configs cannot change once created: a deploy with an edited file under the same config name fails
 * ("only updates to Labels are allowed"). The name carries a revision the user bumps with the files.
 */
export const CONFIG_VERSION_ENV = 'PE_EDGE_CONFIG_VERSION';
/** The name the README's command lines give the stack (`docker stack deploy -c <file> pe`). */
export const STACK_NAME = 'pe';
/** The one app service; its tasks are the pool (a Compose file needs app1..appN, a Swarm service has replicas). */
export const APP_SERVICE_NAME = 'app';

export interface StackOptions {
  /** pe-edge tasks, at most one per manager node (host-mode ports, the Docker socket). */
  readonly edgeReplicas: number;
}

export const STACK_DEFAULTS: StackOptions = { edgeReplicas: 2 };

/** Checks the options; throws one Error naming the field. */
export function defineStackOptions(input: Partial<StackOptions>): StackOptions {
  const edgeReplicas = input.edgeReplicas ?? STACK_DEFAULTS.edgeReplicas;
  if (!Number.isInteger(edgeReplicas) || edgeReplicas < 1 || edgeReplicas > 99) {
    throw new Error(`invalid stack: edgeReplicas ${edgeReplicas} must be an integer 1-99`);
  }
  return { edgeReplicas };
}

type StackService = Record<string, unknown>;
export interface StackFile {
  version: string;
  services: Record<string, StackService>;
  networks: Record<string, { name: string; driver: 'overlay'; attachable: true }>;
  volumes: Record<string, Record<string, never>>;
  configs: Record<string, { name: string; file: string }>;
}

/** Long syntax: Swarm's `mode: host` binds the port on the task's node, so pe-edge sees the client's own address. */
const hostPort = (port: number): Record<string, unknown> => ({ target: port, published: port, protocol: 'tcp', mode: 'host' });

function edgeService(t: Topology, options: StackOptions): StackService {
  return {
    image: t.edgeImage,
    command: [`--configFile=${EDGE_CONFIG_FILE}`, acmeEmailFlag()],
    // 80 and 443 only: Swarm has no loopback-only publishing, so metrics (:8082) stay on the overlay network.
    ports: [hostPort(80), hostPort(443)],
    volumes: ['/var/run/docker.sock:/var/run/docker.sock:ro', `${CERTIFICATES_VOLUME}:/letsencrypt`],
    configs: [
      { source: 'traefik-yml', target: EDGE_CONFIG_FILE },
      { source: 'dynamic-yml', target: DYNAMIC_CONFIG_TARGET },
    ],
    networks: [t.network],
    // Swarm replaces a task whose check fails (Compose only reports it): the CLI's start-up took 5.7 s on a loaded
    // 2-core node, so the timeout leaves room and a slow check does not restart a serving edge.
    healthcheck: {
      test: ['CMD', ...EDGE_CLI, 'healthcheck', `--configFile=${EDGE_CONFIG_FILE}`],
      interval: '15s',
      timeout: '10s',
      retries: 3,
      start_period: '30s',
    },
    deploy: {
      mode: 'replicated',
      replicas: options.edgeReplicas,
      placement: {
        // The Swarm API (services, tasks) answers on managers only.
        constraints: ['node.role == manager'],
        // Host-mode ports 80/443 can be bound once per node.
        max_replicas_per_node: 1,
      },
      // A node's ports are free only once its old task is gone: stop-first, one node at a time.
      update_config: { parallelism: 1, delay: '10s', order: 'stop-first', failure_action: 'rollback', monitor: '30s' },
      rollback_config: { parallelism: 1, order: 'stop-first' },
      restart_policy: { condition: 'any', delay: '5s', window: '30s' },
      labels: composeLabels(t, swarmEdgeLabels(t)),
    },
  };
}

function appService(t: Topology): StackService {
  const healthcheck = appHealthcheck(t);
  return {
    image: t.appImage,
    environment: {
      // A Swarm template: app1, app2, ... as the Compose file's services are named.
      INSTANCE_NAME: 'app{{.Task.Slot}}',
      PORT: String(t.appPort),
      NODE_ENV: 'production',
    },
    networks: [t.network],
    ...(healthcheck === undefined ? {} : { healthcheck }),
    deploy: {
      mode: 'replicated',
      replicas: t.replicas,
      // The new task starts (and passes its health check) before the old one stops: the pool never shrinks.
      update_config: { parallelism: 1, delay: '5s', order: 'start-first', failure_action: 'rollback', monitor: '30s' },
      rollback_config: { parallelism: 1, order: 'start-first' },
      restart_policy: { condition: 'any', delay: '5s', window: '30s' },
      labels: composeLabels(t, swarmAppLabels(t)),
    },
  };
}

/** The stack document as an object (what `generateStack` serialises). */
export function stackModel(t: Topology, options: StackOptions): StackFile {
  if (t.dev) throw new Error('invalid stack: a Swarm stack has no development variant (--dev is for one host, with Compose)');
  const revision = `\${${CONFIG_VERSION_ENV}:-1}`;
  return {
    version: '3.8',
    services: { 'pe-edge': edgeService(t, options), [APP_SERVICE_NAME]: appService(t) },
    // `name:` keeps the network's name free of the stack's prefix, so `traefik.swarm.network` and
    // `providers.swarm.network` match whatever the stack is called; attachable for `docker run --network`.
    networks: { [t.network]: { name: t.network, driver: 'overlay', attachable: true } },
    volumes: { [CERTIFICATES_VOLUME]: {} },
    configs: {
      'traefik-yml': { name: `pe-edge-traefik-yml-${revision}`, file: SWARM_STATIC_CONFIG },
      'dynamic-yml': { name: `pe-edge-dynamic-yml-${revision}`, file: SWARM_DYNAMIC_CONFIG },
    },
  };
}

/** The `pe-edge compose generate --swarm` flags that reproduce `t` and `options`. */
export function stackFlags(t: Topology, options: StackOptions): string[] {
  const flags = ['--swarm'];
  if (options.edgeReplicas !== STACK_DEFAULTS.edgeReplicas) flags.push(`--edge-replicas ${options.edgeReplicas}`);
  return [...flags, ...topologyFlags(t)];
}

function header(t: Topology, options: StackOptions): string {
  const d = t.dashboard;
  const auth = 'usersFromEnv' in d
    ? [`# Dashboard credentials: export ${d.usersFromEnv}='admin:$apr1$...' (single quotes; \`pe-edge compose password\` prints one).`]
    : ['# Contains the dashboard password HASH (not the password). Keep this file out of public repositories.'];
  return [
    `# Pixelated Empathy behind pe-edge on Docker Swarm: ${options.edgeReplicas} pe-edge task(s) (one per manager node) and the`,
    `# service ${APP_SERVICE_NAME} (${t.replicas} tasks, one load-balanced pool), on the overlay network ${t.network}.`,
    `#   export ${ACME_EMAIL_ENV}=you@example.com; docker stack deploy -c <this file> ${STACK_NAME}`,
    `#   docker service scale ${STACK_NAME}_${APP_SERVICE_NAME}=6 (a later deploy goes back to deploy.replicas)`,
    `# ${SWARM_STATIC_CONFIG} and ${SWARM_DYNAMIC_CONFIG} become Swarm configs, which cannot change: after editing either, deploy`,
    `# with a new ${CONFIG_VERSION_ENV} (e.g. ${CONFIG_VERSION_ENV}=$(git rev-parse --short HEAD)) and keep it set.`,
    `# Generated by: pe-edge compose generate ${stackFlags(t, options).join(' ')}`,
    '# Do not edit by hand: change the topology and regenerate.',
    ...auth,
    '',
  ].join('\n');
}

/** YAML text of the stack file, with a header comment saying how it was made and how to deploy it. */
export function generateStack(t: Topology, options: StackOptions): string {
  return header(t, options) + stringify(stackModel(t, options), { lineWidth: 0, defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' });
}
