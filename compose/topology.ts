// The production topology pe-edge fronts: one edge sidecar and app1..appN in one load-balanced pool.

/** The dashboard's basicAuth users entry: written into the file, or read from the environment at `up`. */
export type DashboardAuth =
  | { readonly user: string; readonly passwordHash: string }
  /** Compose interpolates `${variable}` (value `user:hash`) and refuses to start when it is unset. */
  | { readonly usersFromEnv: string };

/** How the app containers' Docker health check probes `/health` (the image decides what is installed). */
export type AppHealthcheck = 'node' | 'wget' | 'curl' | 'none';

export interface Topology {
  /** Public host; the app answers on it and on `www.`, the dashboard on `traefik.`. */
  readonly domain: string;
  readonly appImage: string;
  readonly appPort: number;
  /** Services app1..appN, identical labels, so the edge merges them into one service with N servers. */
  readonly replicas: number;
  /** Plain HTTP on localhost ports, no ACME. */
  readonly dev: boolean;
  readonly edgeImage: string;
  readonly dashboard: DashboardAuth;
  /** Docker network shared by the edge and the apps; also the `traefik.docker.network` label. */
  readonly network: string;
  readonly appHealthcheck: AppHealthcheck;
}

/** The env var the shipped compose files read the dashboard credentials from. */
export const DASHBOARD_USERS_ENV = 'PE_EDGE_DASHBOARD_USERS';

/** The env var the production compose file reads the Let's Encrypt account email from. */
export const ACME_EMAIL_ENV = 'ACME_EMAIL';

export const TOPOLOGY_DEFAULTS = {
  domain: 'pixelated-empathy.com',
  devDomain: 'localhost',
  appImage: 'pixelated-empathy/app:latest',
  appPort: 3000,
  replicas: 3,
  edgeImage: 'pe-edge:latest',
  network: 'pixelated-network',
  appHealthcheck: 'node',
} as const;

export type TopologyInput = Partial<Omit<Topology, 'dashboard'>> & { readonly dashboard: DashboardAuth };

const HOST = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Fill defaults and check every field; throws one Error listing all problems, each naming the field. */
export function defineTopology(input: TopologyInput): Topology {
  const dev = input.dev ?? false;
  const t: Topology = {
    domain: input.domain ?? (dev ? TOPOLOGY_DEFAULTS.devDomain : TOPOLOGY_DEFAULTS.domain),
    appImage: input.appImage ?? TOPOLOGY_DEFAULTS.appImage,
    appPort: input.appPort ?? TOPOLOGY_DEFAULTS.appPort,
    replicas: input.replicas ?? TOPOLOGY_DEFAULTS.replicas,
    dev,
    edgeImage: input.edgeImage ?? TOPOLOGY_DEFAULTS.edgeImage,
    dashboard: input.dashboard,
    network: input.network ?? TOPOLOGY_DEFAULTS.network,
    appHealthcheck: input.appHealthcheck ?? TOPOLOGY_DEFAULTS.appHealthcheck,
  };
  const problems: string[] = [];
  if (!HOST.test(t.domain)) problems.push(`domain "${t.domain}" is not a host name (e.g. pixelated-empathy.com)`);
  if (!Number.isInteger(t.appPort) || t.appPort < 1 || t.appPort > 65535) problems.push(`appPort ${t.appPort} must be an integer 1-65535`);
  if (!Number.isInteger(t.replicas) || t.replicas < 1 || t.replicas > 99) problems.push(`replicas ${t.replicas} must be an integer 1-99`);
  if (t.appImage === '' || /\s/.test(t.appImage)) problems.push(`appImage "${t.appImage}" must be an image reference without spaces`);
  if (t.edgeImage === '' || /\s/.test(t.edgeImage)) problems.push(`edgeImage "${t.edgeImage}" must be an image reference without spaces`);
  if (!NAME.test(t.network)) problems.push(`network "${t.network}" must match ${NAME.source}`);
  if ('usersFromEnv' in t.dashboard) {
    if (!ENV_NAME.test(t.dashboard.usersFromEnv)) problems.push(`dashboard env var "${t.dashboard.usersFromEnv}" is not a variable name`);
  } else {
    if (t.dashboard.user === '' || /[:,\s$]/.test(t.dashboard.user)) problems.push(`dashboard user "${t.dashboard.user}" must be non-empty without ':', ',', '$' or spaces`);
    if (t.dashboard.passwordHash === '') problems.push('dashboard passwordHash is empty; there is no default password');
  }
  if (problems.length > 0) throw new Error(`invalid topology: ${problems.join('; ')}`);
  return t;
}

/** app1..appN: the names the product and the seed's dynamic.yml use. */
export function appServiceNames(t: Pick<Topology, 'replicas'>): string[] {
  return Array.from({ length: t.replicas }, (_, i) => `app${i + 1}`);
}

/** The `pe-edge compose generate` options that reproduce `t` (those that differ from the defaults; `--dev`, `--swarm` aside). */
export function topologyFlags(t: Topology): string[] {
  const flags: string[] = [];
  if (t.domain !== (t.dev ? TOPOLOGY_DEFAULTS.devDomain : TOPOLOGY_DEFAULTS.domain)) flags.push(`--domain ${t.domain}`);
  if (t.appImage !== TOPOLOGY_DEFAULTS.appImage) flags.push(`--app-image ${t.appImage}`);
  if (t.appPort !== TOPOLOGY_DEFAULTS.appPort) flags.push(`--app-port ${t.appPort}`);
  if (t.replicas !== TOPOLOGY_DEFAULTS.replicas) flags.push(`--replicas ${t.replicas}`);
  if (t.edgeImage !== TOPOLOGY_DEFAULTS.edgeImage) flags.push(`--edge-image ${t.edgeImage}`);
  if (t.network !== TOPOLOGY_DEFAULTS.network) flags.push(`--network ${t.network}`);
  if (t.appHealthcheck !== TOPOLOGY_DEFAULTS.appHealthcheck) flags.push(`--app-healthcheck ${t.appHealthcheck}`);
  if ('usersFromEnv' in t.dashboard) flags.push('--dashboard-from-env');
  else flags.push(`--dashboard-user ${t.dashboard.user} --dashboard-password-hash <hash>`);
  return flags;
}
