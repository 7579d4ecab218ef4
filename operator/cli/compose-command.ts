// `pe-edge compose ...`: generate the app1..appN compose file, make dashboard credentials, drive Compose.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { closest } from '../../labels-spec/index.js';
import {
  apr1,
  DASHBOARD_USERS_ENV,
  defineStackOptions,
  defineTopology,
  generateCompose,
  generateStack,
  htpasswdLine,
  htpasswdHashProblem,
  randomPassword,
  type AppHealthcheck,
  type DashboardAuth,
} from '../../compose/index.js';
import { composeCommands, createComposeRunner, type ComposeProject, type ComposeRunner } from '../../compose/compose-client.js';
import { parseComposeText, withReplicaCounts } from '../../compose/replica-counts-file.js';
import { planScale, traefikPools, type ComposeServiceEntry } from '../../compose/scale-plan.js';
import { withPlaceholders } from '../../compose/required-variables.js';
import { replaceFileAtomically } from '../config-files/replace-file.js';

export const COMPOSE_USAGE = `pe-edge compose: the Pixelated Empathy topology (pe-edge + app1..appN) for Docker Compose

  pe-edge compose generate [--domain pixelated-empathy.com] [--app-image pixelated-empathy/app:latest]
                           [--app-port 3000] [--replicas 3] [--dev] [--edge-image pe-edge:latest]
                           [--network pixelated-network] [--app-healthcheck node|wget|curl|none]
                           [--dashboard-user admin] [--dashboard-password-hash HASH | --dashboard-from-env]
                           [-o FILE [--force]]
      compose YAML on stdout, or in FILE with -o/--output (an existing FILE is kept unless --force).
      Without a hash (flag or env PE_EDGE_DASHBOARD_HASH) a random dashboard password is made and printed
      once on stderr; --dashboard-from-env reads ${DASHBOARD_USERS_ENV} at \`up\`.
  pe-edge compose generate --swarm [--edge-replicas 2] [the options above but --dev]
      a Docker Swarm stack file instead (docker stack deploy -c FILE pe): pe-edge as a service with
      --edge-replicas tasks on manager nodes, the app as one service of --replicas tasks, labels under
      deploy.labels, an overlay network, rolling start-first updates of the app.
  pe-edge compose password [--dashboard-user admin]
      ${DASHBOARD_USERS_ENV}='user:hash' on stdout, the new password on stderr
  pe-edge compose up|down|ps [-f docker-compose.prod.yml] [-p project]
  pe-edge compose scale <service>=<n> | <pool>=<n> [-f docker-compose.prod.yml] [-p project]
      app=6: 6 containers over the pool app1..appN (the services labelled traefik.http.services.app.*), spread
      evenly, the last ones at 0 below N; app1=3: that service alone. The counts are written into the file as
      deploy.replicas, so a later \`up\` keeps them.
`;

export interface ComposeCommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  /** Created on first use, so `generate` works on machines without Docker. */
  readonly runner: () => Promise<ComposeRunner>;
}

const defaultIo: ComposeCommandIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  env: process.env,
  runner: async () => (await createComposeRunner()).runner,
};

type OptionKind = 'string' | 'int' | 'flag';
type OptionTable = Readonly<Record<string, OptionKind>>;

const GENERATE_OPTIONS: OptionTable = {
  '--domain': 'string',
  '--app-image': 'string',
  '--app-port': 'int',
  '--replicas': 'int',
  '--dev': 'flag',
  '--edge-image': 'string',
  '--network': 'string',
  '--app-healthcheck': 'string',
  '--dashboard-user': 'string',
  '--dashboard-password-hash': 'string',
  '--dashboard-from-env': 'flag',
  '--output': 'string',
  '--force': 'flag',
  '--swarm': 'flag',
  '--edge-replicas': 'int',
};
const PASSWORD_OPTIONS: OptionTable = { '--dashboard-user': 'string' };
const PROJECT_OPTIONS: OptionTable = { '--file': 'string', '--project-name': 'string' };
const SHORT: Readonly<Record<string, string>> = { '-f': '--file', '-p': '--project-name', '-o': '--output' };
const SUBCOMMANDS = ['generate', 'password', 'up', 'down', 'ps', 'scale', 'help'];
const HEALTHCHECKS: readonly AppHealthcheck[] = ['node', 'wget', 'curl', 'none'];
export const DEFAULT_COMPOSE_FILE = 'docker-compose.prod.yml';

/** A usage error: printed with its prefix, exit code 2 as for a bad command line. */
class UsageError extends Error {}

interface Parsed {
  readonly options: Map<string, string | number | true>;
  readonly positional: string[];
}

function parseOptions(command: string, argv: readonly string[], table: OptionTable): Parsed {
  const options = new Map<string, string | number | true>();
  const positional: string[] = [];
  const names = Object.keys(table);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('-')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const rawName = eq === -1 ? arg : arg.slice(0, eq);
    const name = SHORT[rawName] !== undefined && table[SHORT[rawName]] !== undefined ? SHORT[rawName] : rawName;
    const kind = table[name];
    if (kind === undefined) {
      const hint = closest(rawName, names);
      throw new UsageError(`compose ${command}: unknown option "${rawName}"${hint === undefined ? `; options are ${names.join(', ')}` : `; did you mean "${hint}"?`}`);
    }
    if (kind === 'flag') {
      if (eq !== -1) throw new UsageError(`compose ${command}: ${name} takes no value`);
      options.set(name, true);
      continue;
    }
    const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined || value === '') throw new UsageError(`compose ${command}: ${name} needs a value`);
    if (kind === 'int') {
      if (!/^\d+$/.test(value)) throw new UsageError(`compose ${command}: ${name} must be a whole number, got "${value}"`);
      options.set(name, Number(value));
    } else {
      options.set(name, value);
    }
  }
  return { options, positional };
}

const str = (p: Parsed, name: string): string | undefined => {
  const v = p.options.get(name);
  return typeof v === 'string' ? v : undefined;
};
const int = (p: Parsed, name: string): number | undefined => {
  const v = p.options.get(name);
  return typeof v === 'number' ? v : undefined;
};

function noPositional(command: string, p: Parsed): void {
  if (p.positional.length > 0) throw new UsageError(`compose ${command}: unexpected argument "${p.positional[0]}"`);
}

/**
 * Dashboard credentials: the env reference, a given hash, or a fresh password; `tell` is what to print once the
 * file is produced (never before: a password for a file that was not written is worth nothing).
 */
function dashboardAuth(p: Parsed, io: ComposeCommandIo): { auth: DashboardAuth; tell: string | null } {
  const user = str(p, '--dashboard-user') ?? 'admin';
  const flagHash = str(p, '--dashboard-password-hash');
  if (p.options.has('--dashboard-from-env')) {
    if (flagHash !== undefined) throw new UsageError('compose generate: --dashboard-from-env and --dashboard-password-hash exclude each other');
    return { auth: { usersFromEnv: DASHBOARD_USERS_ENV }, tell: null };
  }
  const hash = flagHash ?? (io.env['PE_EDGE_DASHBOARD_HASH'] || undefined);
  if (hash !== undefined) {
    const problem = htpasswdHashProblem(hash);
    if (problem !== null) {
      const from = flagHash !== undefined ? '--dashboard-password-hash' : 'PE_EDGE_DASHBOARD_HASH';
      throw new UsageError(`${from} is not an htpasswd hash basicAuth can match: it is ${problem}; a plain password does not belong there (pe-edge compose password makes one)`);
    }
    return { auth: { user, passwordHash: hash }, tell: null };
  }
  const password = randomPassword();
  return { auth: { user, passwordHash: apr1(password) }, tell: `dashboard user ${user}, password ${password} — store it now; it is not saved anywhere\n` };
}

function generate(argv: readonly string[], io: ComposeCommandIo): number {
  const p = parseOptions('generate', argv, GENERATE_OPTIONS);
  noPositional('generate', p);
  const output = str(p, '--output');
  const force = p.options.has('--force');
  if (force && output === undefined) throw new UsageError('compose generate: --force only applies with -o/--output FILE');
  const swarm = p.options.has('--swarm');
  if (swarm && p.options.has('--dev')) throw new UsageError('compose generate: --swarm has no --dev variant (a development setup is one host: use Compose)');
  if (!swarm && p.options.has('--edge-replicas')) throw new UsageError('compose generate: --edge-replicas only applies with --swarm (Compose runs one pe-edge)');
  const healthcheck = str(p, '--app-healthcheck');
  if (healthcheck !== undefined && !HEALTHCHECKS.includes(healthcheck as AppHealthcheck)) {
    const hint = closest(healthcheck, HEALTHCHECKS);
    throw new UsageError(`compose generate: --app-healthcheck "${healthcheck}" is not one of ${HEALTHCHECKS.join(', ')}${hint === undefined ? '' : `; did you mean "${hint}"?`}`);
  }
  let topology;
  let stack;
  let tell: string | null = null;
  try {
    stack = defineStackOptions(int(p, '--edge-replicas') === undefined ? {} : { edgeReplicas: int(p, '--edge-replicas') });
    const build = (dashboard: DashboardAuth) => defineTopology({
      ...(str(p, '--domain') === undefined ? {} : { domain: str(p, '--domain') }),
      ...(str(p, '--app-image') === undefined ? {} : { appImage: str(p, '--app-image') }),
      ...(int(p, '--app-port') === undefined ? {} : { appPort: int(p, '--app-port') }),
      ...(int(p, '--replicas') === undefined ? {} : { replicas: int(p, '--replicas') }),
      ...(str(p, '--edge-image') === undefined ? {} : { edgeImage: str(p, '--edge-image') }),
      ...(str(p, '--network') === undefined ? {} : { network: str(p, '--network') }),
      ...(healthcheck === undefined ? {} : { appHealthcheck: healthcheck as AppHealthcheck }),
      dev: p.options.has('--dev'),
      dashboard,
    });
    // Check everything else first: a refused or failed generate has no password to tell.
    build({ usersFromEnv: DASHBOARD_USERS_ENV });
    if (output !== undefined && !force && existsSync(output)) return refuseOverwrite(output, io);
    const dashboard = dashboardAuth(p, io);
    tell = dashboard.tell;
    topology = build(dashboard.auth);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`compose generate: ${err instanceof Error ? err.message : String(err)}`);
  }
  const text = swarm ? generateStack(topology, stack) : generateCompose(topology);
  if (output === undefined) {
    io.stdout(text);
    if (tell !== null) io.stderr(tell);
    return 0;
  }
  try {
    // 'wx' refuses a file created since the check above; --force replaces it.
    writeFileSync(output, text, { flag: force ? 'w' : 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return refuseOverwrite(output, io);
    throw new UsageError(`compose generate: cannot write ${output}: ${err instanceof Error ? err.message : String(err)}`);
  }
  io.stderr(`wrote ${output}\n`);
  if (tell !== null) io.stderr(tell);
  return 0;
}

/** An existing compose file may hold edits or another topology: kept, exit 1. */
function refuseOverwrite(output: string, io: ComposeCommandIo): number {
  io.stderr(`pe-edge: compose generate: ${output} already exists; not overwriting it (add --force to replace it, or choose another -o FILE)\n`);
  return 1;
}

function password(argv: readonly string[], io: ComposeCommandIo): number {
  const p = parseOptions('password', argv, PASSWORD_OPTIONS);
  noPositional('password', p);
  const user = str(p, '--dashboard-user') ?? 'admin';
  const pw = randomPassword();
  let line: string;
  try {
    line = htpasswdLine(user, apr1(pw));
  } catch (err) {
    throw new UsageError(`compose password: ${err instanceof Error ? err.message : String(err)}`);
  }
  io.stderr(`dashboard user ${user}, password ${pw} — store it now; it is not saved anywhere\n`);
  // Single quotes: the hash is full of `$`, which shells and .env files would expand.
  io.stdout(`${DASHBOARD_USERS_ENV}='${line}'\n`);
  return 0;
}

async function drive(command: 'up' | 'down' | 'ps' | 'scale', argv: readonly string[], io: ComposeCommandIo): Promise<number> {
  const p = parseOptions(command, argv, PROJECT_OPTIONS);
  const file = str(p, '--file') ?? DEFAULT_COMPOSE_FILE;
  const project = str(p, '--project-name');
  const target = { file, ...(project === undefined ? {} : { project }) };
  if (command === 'scale') return scale(p, target, io);
  noPositional(command, p);
  const args = composeCommands[command]();
  const runner = await io.runner();
  if (command === 'up') return runner(target, args[0], args[1]);
  // down and ps use no variable: a required one that is not set in this shell must not stop them.
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return runner(target, args[0], args[1]); // Compose says what is wrong with the file
  }
  return runner(target, args[0], args[1], withPlaceholders(text, io.env).env);
}

/**
 * `scale <service>=<n>` or `scale <pool>=<n>`: the counts are written into the compose file (deploy.replicas) before
 * Compose runs, so that every later `up` starts as many containers instead of scaling back to the file's old count.
 */
/** Far above any single host's containers; a count past it is a typo that would land in the file. */
const MAX_SCALE = 1000;

async function scale(p: Parsed, project: ComposeProject, io: ComposeCommandIo): Promise<number> {
  const [arg, ...extra] = p.positional;
  const m = /^([a-zA-Z0-9][a-zA-Z0-9_.-]*)=(\d+)$/.exec(arg ?? '');
  if (m === null || extra.length > 0) {
    throw new UsageError(`compose scale: expected one <service>=<n>, e.g. app=6 (the app pool) or app1=2; got ${p.positional.length === 0 ? 'nothing' : `"${p.positional.join(' ')}"`}`);
  }
  const name = m[1] ?? '';
  const { file } = project;
  let parsed;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
    parsed = parseComposeText(text, file);
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new UsageError(`compose scale: ${missing ? `${file} does not exist; -f/--file names the compose file (default ${DEFAULT_COMPOSE_FILE})` : (err as Error).message}`);
  }
  const total = Number(m[2]);
  if (!(total <= MAX_SCALE)) throw new UsageError(`compose scale: ${name}=${m[2]}: at most ${MAX_SCALE} containers`);
  const plan = planScale(parsed.services, name, total);
  if (plan === undefined) throw new UsageError(unknownScaleTarget(name, file, parsed.services));
  // Compose found before the file changes: a machine without it keeps the file as it was.
  const runner = await io.runner();
  const counts = plan.counts.map(([s, n]) => `${s}=${n}`).join(' ');
  const what = plan.pool ? `pool ${plan.target}: ${total} container${total === 1 ? '' : 's'} (${counts})` : counts;
  let edited: string;
  try {
    edited = withReplicaCounts(parsed, plan.counts, file, text.includes('\r\n'));
  } catch (err) {
    throw new UsageError(`compose scale: ${(err as Error).message}`);
  }
  // Compose was looked for since the file was read: an edit made meanwhile must not be lost.
  if (readFileSync(file, 'utf8') !== text) throw new UsageError(`compose scale: ${file} changed while scaling; nothing written, run it again`);
  // Replaced whole or not at all, with the mode it had.
  await replaceFileAtomically(file, edited, { mode: 'keep', inPlaceWhenBusy: false });
  io.stderr(`${file}: ${what}, kept as deploy.replicas for every later \`up\`\n`);
  const args = composeCommands.scale(plan.counts);
  const code = await runner(project, args[0], args[1]);
  if (code !== 0) io.stderr(`pe-edge: compose scale: Compose exited ${code}; ${file} already asks for ${counts}: \`pe-edge compose up\` applies it\n`);
  return code;
}

function unknownScaleTarget(name: string, file: string, services: Readonly<Record<string, ComposeServiceEntry>>): string {
  const serviceNames = Object.keys(services);
  const pools = [...traefikPools(services).keys()];
  const hint = closest(name, [...serviceNames, ...pools]);
  return `compose scale: "${name}" is neither a service of ${file} (${serviceNames.join(', ')}) nor a pool of them` +
    ` (${pools.length === 0 ? 'none: no traefik.http.services labels' : pools.join(', ')})${hint === undefined ? '' : `; did you mean "${hint}"?`}`;
}

/** `pe-edge compose <subcommand> ...`; resolves to the process exit code. */
export async function composeCommand(argv: string[], ioOverrides: Partial<ComposeCommandIo> = {}): Promise<number> {
  const io: ComposeCommandIo = { ...defaultIo, ...ioOverrides };
  const [sub, ...rest] = argv;
  try {
    switch (sub) {
      case 'generate':
        return generate(rest, io);
      case 'password':
        return password(rest, io);
      case 'up':
      case 'down':
      case 'ps':
      case 'scale':
        return await drive(sub, rest, io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout(COMPOSE_USAGE);
        return sub === undefined ? 2 : 0;
      default: {
        const hint = closest(sub, SUBCOMMANDS);
        throw new UsageError(`unknown compose command "${sub}"${hint === undefined ? `; commands are ${SUBCOMMANDS.join(', ')}` : `; did you mean "${hint}"?`}`);
      }
    }
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr(`pe-edge: ${err.message}\n`);
    return 2;
  }
}
