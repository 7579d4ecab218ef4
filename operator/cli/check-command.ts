import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { closest, decodeLabels, dockerProviderSchema, swarmProviderSchema, type DynamicConfig, type StaticConfig } from '../../labels-spec/index.js';
import { checkConfiguration, reportHasErrors, type CheckReport } from '../check/check-report.js';
import { composeContainers } from '../check/compose-containers.js';
import { isStackFile, stackServices } from '../check/stack-services.js';
import { composeBindMounts } from '../check/compose-mounts.js';
import { readFileProviderInput } from '../check/file-provider-input.js';
import { readConfigFile } from '../config-files/read-config-file.js';
import { containerConfig, type ContainerResult } from '../providers/docker/container-config.js';
import { DockerProvider, type EngineState } from '../providers/docker/docker-provider.js';
import { compileConstraints, type ContainerConstraint } from '../providers/docker/constraints.js';
import { mergeContainers } from '../providers/docker/merge-containers.js';
import { loadStaticConfig } from '../static-config/load-static-config.js';
import { printReport } from '../check/print-report.js';
import { engineImagePorts, imagePortWarnings, type ImageExposedPorts } from '../check/image-ports.js';
import { dockerClient } from '../providers/docker/docker-connection.js';
import { SwarmProvider } from '../providers/swarm/swarm-provider.js';

const USAGE = `pe-edge check: validate configuration before a deploy (exit 1 on any error)

  pe-edge check --compose docker-compose.prod.yml [--project name] [--json] [TRAEFIK FLAGS]
                                                     (a stack file, whose services have deploy.labels, is read as providers.swarm reads it)
  pe-edge check --docker [--json] [TRAEFIK FLAGS]
  pe-edge check --swarm [--json] [TRAEFIK FLAGS]     (a running Swarm's services, from a manager's engine)
  pe-edge check --configFile traefik.yml [--json] [TRAEFIK FLAGS]

  TRAEFIK FLAGS are the main command's: --configFile=traefik.yml, --providers.file.filename=dynamic.yml,
  --providers.file.directory=dir, --providers.docker.exposedByDefault=false, ... (layered on traefik.yml).
  With --compose and no --configFile, a traefik.yml next to the compose file is read.
`;

const CHECK_OPTIONS = ['--compose', '--docker', '--swarm', '--json', '--project'];

/** `pe-edge check`: what pe-edge would route, and every error, as text or Traefik /api/rawdata JSON. */
export async function checkCommand(argv: readonly string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const args = parseArgs(argv);
  if ('error' in args) {
    err(`pe-edge check: ${args.error}\n${USAGE}`);
    return 2;
  }
  const errors: string[] = [];
  const warnings: string[] = [];
  // The main command's static configuration: the same file search, flags and validation.
  const sibling = args.compose !== undefined && !args.staticFlags.some(isConfigFileFlag) ? siblingConfig(args.compose) : undefined;
  const loaded = await loadStaticConfig([...(sibling !== undefined ? [`--configFile=${sibling}`] : []), ...args.staticFlags]);
  errors.push(...loaded.errors);
  warnings.push(...loaded.warnings);
  const config: StaticConfig = loaded.config;
  let compose: unknown;
  if (args.compose !== undefined) {
    try {
      compose = (await readConfigFile(args.compose)).value;
    } catch (e) {
      errors.push(e instanceof Error ? e.message : String(e));
    }
  }
  const fragments = new Map<string, DynamicConfig>();
  let locateFile: ((path: readonly (string | number)[]) => string | undefined) | undefined;
  if (config.providers.file !== undefined) {
    const mounts = compose !== undefined && args.compose !== undefined ? composeBindMounts(compose, args.compose) : [];
    const input = await readFileProviderInput(config.providers.file, loaded.file, mounts);
    errors.push(...input.errors);
    warnings.push(...input.warnings);
    if (input.fragment !== undefined) fragments.set('file', input.fragment);
    locateFile = input.locate;
  }
  let containers: ContainerResult[] = [];
  // Without a providers.docker section, check as Traefik's defaults would route.
  const dockerOptions = config.providers.docker ?? dockerProviderSchema.parse({});
  let stackChecked = false;
  if (compose !== undefined && args.compose !== undefined && isStackFile(compose)) {
    // A stack for `docker stack deploy`: its services' deploy.labels, read as providers.swarm reads them.
    stackChecked = true;
    if (config.providers.swarm === undefined) {
      warnings.push('providers.swarm is not configured: pe-edge would not read these services\' deploy.labels; checked with Traefik\'s Swarm defaults');
    }
    const swarmOptions = config.providers.swarm ?? swarmProviderSchema.parse({});
    const stack = stackServices(compose, args.compose, args.project);
    errors.push(...stack.errors);
    warnings.push(...stack.warnings);
    let constraint: ContainerConstraint | undefined;
    try {
      constraint = compileConstraints(swarmOptions.constraints);
    } catch (e) {
      errors.push(`providers.swarm.constraints: ${e instanceof Error ? e.message : String(e)}`);
    }
    const results = stack.services.map((v) => containerConfig(v, { ...swarmOptions, provider: 'swarm', constraint }, decodeLabels(v.labels, { provider: 'swarm' })));
    const merged = mergeContainers(results, 'swarm');
    errors.push(...merged.errors);
    fragments.set('swarm', merged.config);
    containers = results.map((r) => ({ ...r, container: { ...r.container, name: `swarm service ${r.container.swarmService ?? r.container.name}` } }));
  }
  if (compose !== undefined && args.compose !== undefined && !stackChecked) {
    const composed = composeContainers(compose, args.compose, args.project);
    errors.push(...composed.errors);
    let constraint: ContainerConstraint | undefined;
    try {
      constraint = compileConstraints(config.providers.docker?.constraints ?? '');
    } catch (e) {
      errors.push(`providers.docker.constraints: ${e instanceof Error ? e.message : String(e)}`);
    }
    containers = composed.containers.map((c) => containerConfig(c, { ...dockerOptions, constraint }));
  } else if (args.docker) {
    const docker = config.providers.docker;
    // Not a failure of the containers: they are still checked, but a pe-edge run with this file would not read them.
    if (docker === undefined) {
      warnings.push('providers.docker is not configured: pe-edge would not read these containers\' labels; checked with Docker\'s defaults (unix:///var/run/docker.sock)');
    }
    containers = await dockerSnapshot({ ...dockerOptions, httpClientTimeout: dockerOptions.httpClientTimeout || CHECK_ENGINE_TIMEOUT_MS }, errors);
  }
  // Ports the images do not EXPOSE, when the engine knows the images (check --compose asks it too, read-only).
  if (containers.some((r) => r.kind === 'routed' && r.container.image !== undefined)) {
    const warned = await imagePortWarnings(containers, imagePortsFrom(dockerOptions.endpoint, dockerOptions.httpClientTimeout || 3_000));
    for (const r of containers) if (r.kind === 'routed') r.warnings.push(...(warned.get(r.container.name) ?? []));
  }
  if (containers.length > 0 && !stackChecked) {
    const merged = mergeContainers(containers);
    errors.push(...merged.errors);
    fragments.set('docker', merged.config);
  }
  if (args.swarm) {
    const swarm = config.providers.swarm;
    if (swarm === undefined) {
      warnings.push('providers.swarm is not configured: pe-edge would not read these services\' labels; checked with Traefik\'s Swarm defaults (unix:///var/run/docker.sock)');
    }
    const swarmOptions = swarm ?? swarmProviderSchema.parse({});
    const tasks = await swarmSnapshot({ ...swarmOptions, httpClientTimeout: swarmOptions.httpClientTimeout || CHECK_ENGINE_TIMEOUT_MS }, errors);
    const merged = mergeContainers(tasks, 'swarm');
    errors.push(...merged.errors);
    fragments.set('swarm', merged.config);
    // A service's tasks share its labels: the report lists each Swarm service once, by its name.
    const byService = new Map<string, ContainerResult>();
    for (const r of tasks) {
      const name = r.container.swarmService ?? r.container.name;
      if (!byService.has(name)) byService.set(name, { ...r, container: { ...r.container, name: `swarm service ${name}` } });
    }
    containers = [...containers, ...byService.values()];
  }
  const report: CheckReport = checkConfiguration(config, fragments, containers, errors, warnings, { staticFile: loaded.file, locateFile });
  out(args.json ? JSON.stringify(report, null, 2) + '\n' : printReport(report));
  return reportHasErrors(report) ? 1 : 0;
}

/** How long `check` waits for the engine's answers when the provider's httpClientTimeout is 0 (no timeout). */
const CHECK_ENGINE_TIMEOUT_MS = 10_000;

async function dockerSnapshot(options: ConstructorParameters<typeof DockerProvider>[0], errors: string[]): Promise<ContainerResult[]> {
  let result: ContainerResult[] = [];
  const stop = new AbortController();
  const seen: { engine: EngineState } = { engine: { reachable: true } };
  const provider = new DockerProvider({ ...options, watch: false }, (s) => { result = [...s.containers]; }, {
    info: () => undefined,
    warn: () => undefined,
    // The provider's own "unreachable … retrying" line is for a running edge: check says it once, with the fix.
    error: (msg) => { if (!msg.startsWith('Docker engine unreachable')) errors.push(msg); },
  }, stop.signal, (state) => { seen.engine = state; });
  await provider.start();
  stop.abort();
  if (!seen.engine.reachable) errors.push(`${seen.engine.error}. ${seen.engine.hint}`);
  return result;
}

async function swarmSnapshot(options: ConstructorParameters<typeof SwarmProvider>[0], errors: string[]): Promise<ContainerResult[]> {
  let result: ContainerResult[] = [];
  const stop = new AbortController();
  const seen: { engine: EngineState } = { engine: { reachable: true } };
  const provider = new SwarmProvider({ ...options, watch: false }, (s) => { result = [...s.containers]; }, {
    info: () => undefined,
    warn: () => undefined,
    error: (msg) => { if (!msg.startsWith('Swarm provider cannot list services')) errors.push(msg); },
  }, stop.signal, (state) => { seen.engine = state; });
  await provider.start();
  stop.abort();
  if (!seen.engine.reachable) errors.push(`${seen.engine.error}. ${seen.engine.hint}`);
  return result;
}

/** The engine's image inspector; an endpoint it cannot use knows no image. */
function imagePortsFrom(endpoint: string, timeoutMs: number): ImageExposedPorts {
  try {
    return engineImagePorts(dockerClient(endpoint, timeoutMs));
  } catch {
    return () => Promise.resolve(null);
  }
}

function siblingConfig(composeFile: string): string | undefined {
  for (const name of ['traefik.yml', 'traefik.yaml', 'traefik.toml']) {
    const candidate = join(dirname(resolve(composeFile)), name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

interface CheckArgs { compose?: string; docker: boolean; swarm: boolean; project?: string; json: boolean; staticFlags: string[] }

const isConfigFileFlag = (arg: string): boolean => /^--?configfile(=|$)/i.test(arg);

/** Takes check's own options; everything else is a Traefik flag for the static configuration. */
function parseArgs(argv: readonly string[]): CheckArgs | { error: string } {
  const args: CheckArgs = { docker: false, swarm: false, json: false, staticFlags: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf('=');
    const [flag, inline] = eq === -1 ? [arg, undefined] : [arg.slice(0, eq), arg.slice(eq + 1)];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag.toLowerCase()) {
      case '--compose': args.compose = value(); break;
      case '--project': case '-p': args.project = value(); break;
      case '--docker': args.docker = true; break;
      case '--swarm': args.swarm = true; break;
      case '--json': args.json = true; break;
      default: {
        // A dotless flag near one of check's own is a typo of it, not a Traefik option ("--jsn").
        const hint = flag.includes('.') || isConfigFileFlag(arg) ? undefined : closest(flag, CHECK_OPTIONS);
        if (hint !== undefined) return { error: `unknown option "${arg}"; did you mean "${hint}"?` };
        args.staticFlags.push(arg);
        // `--configFile traefik.yml`, `--providers.file.filename dynamic.yml`: the value is the next argument.
        const next = argv[i + 1];
        if (eq === -1 && next !== undefined && !next.startsWith('-')) args.staticFlags.push(argv[++i] as string);
      }
    }
  }
  if (args.compose === '' || (args.compose === undefined && argv.some((a) => /^--compose$/i.test(a)))) return { error: '--compose needs a file' };
  if (args.compose === undefined && !args.docker && !args.swarm && args.staticFlags.length === 0) return { error: 'say what to check: --compose FILE, --docker, --swarm or --configFile FILE' };
  return args;
}
