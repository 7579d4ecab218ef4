import { existsSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { dockerProviderSchema, validateDynamicConfig, type DynamicConfig, type StaticConfig } from '../../labels-spec/index.js';
import { checkConfiguration, reportHasErrors, type CheckReport } from '../check/check-report.js';
import { composeContainers } from '../check/compose-containers.js';
import { readConfigFile } from '../config-files/read-config-file.js';
import { containerConfig, type ContainerResult } from '../providers/docker/container-config.js';
import { DockerProvider } from '../providers/docker/docker-provider.js';
import { compileConstraints, type ContainerConstraint } from '../providers/docker/constraints.js';
import { mergeContainers } from '../providers/docker/merge-containers.js';
import { loadStaticConfig } from '../static-config/load-static-config.js';
import { printReport } from '../check/print-report.js';

const USAGE = `pe-edge check: validate configuration before a deploy (exit 1 on any error)

  pe-edge check --compose docker-compose.prod.yml [--configFile traefik.yml] [--project name] [--json]
  pe-edge check --docker [--configFile traefik.yml] [--json]
  pe-edge check --configFile traefik.yml [--json]
`;

/** `pe-edge check`: what pe-edge would route, and every error, as text or Traefik /api/rawdata JSON. */
export async function checkCommand(argv: readonly string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const args = parseArgs(argv);
  if ('error' in args) {
    err(`pe-edge check: ${args.error}\n${USAGE}`);
    return 2;
  }
  const configFile = args.configFile ?? (args.compose !== undefined ? siblingConfig(args.compose) : undefined);
  const errors: string[] = [];
  const warnings: string[] = [];
  let config: StaticConfig;
  {
    const loaded = await loadStaticConfig(configFile !== undefined ? [`--configFile=${configFile}`] : []);
    errors.push(...loaded.errors);
    warnings.push(...loaded.warnings);
    config = loaded.config;
  }
  const fragments = new Map<string, DynamicConfig>();
  const file = config.providers.file;
  if (file?.filename !== undefined && file.filename !== '') {
    const path = dynamicFilePath(file.filename, configFile);
    try {
      const content = await readConfigFile(path);
      const { config: dynamic, issues } = validateDynamicConfig(content.value);
      for (const i of issues) (i.severity === 'error' ? errors : warnings).push(`${path}:${content.lineOf(i.path) ?? '?'}: ${i.message}`);
      fragments.set('file', dynamic);
    } catch (e) {
      errors.push(e instanceof Error ? e.message : String(e));
    }
  }
  let containers: ContainerResult[] = [];
  // Without a providers.docker section, check as Traefik's defaults would route.
  const dockerOptions = config.providers.docker ?? dockerProviderSchema.parse({});
  if (args.compose !== undefined) {
    try {
      const content = await readConfigFile(args.compose);
      const composed = composeContainers(content.value, args.compose, args.project);
      errors.push(...composed.errors);
      let constraint: ContainerConstraint | undefined;
      try {
        constraint = compileConstraints(config.providers.docker?.constraints ?? '');
      } catch (e) {
        errors.push(`providers.docker.constraints: ${e instanceof Error ? e.message : String(e)}`);
      }
      containers = composed.containers.map((c) => containerConfig(c, { ...dockerOptions, constraint }));
    } catch (e) {
      errors.push(e instanceof Error ? e.message : String(e));
    }
  } else if (args.docker) {
    const docker = config.providers.docker;
    // Not a failure of the containers: they are still checked, but a pe-edge run with this file would not read them.
    if (docker === undefined) {
      warnings.push('providers.docker is not configured: pe-edge would not read these containers\' labels; checked with Docker\'s defaults (unix:///var/run/docker.sock)');
    }
    containers = await dockerSnapshot({ ...dockerOptions, httpClientTimeout: dockerOptions.httpClientTimeout || 10_000 }, errors);
  }
  if (containers.length > 0) {
    const merged = mergeContainers(containers);
    errors.push(...merged.errors);
    fragments.set('docker', merged.config);
  }
  const report: CheckReport = checkConfiguration(config, fragments, containers, errors, warnings);
  out(args.json ? JSON.stringify(report, null, 2) + '\n' : printReport(report));
  return reportHasErrors(report) ? 1 : 0;
}

async function dockerSnapshot(options: ConstructorParameters<typeof DockerProvider>[0], errors: string[]): Promise<ContainerResult[]> {
  let result: ContainerResult[] = [];
  const stop = new AbortController();
  const provider = new DockerProvider({ ...options, watch: false }, (s) => { result = [...s.containers]; }, {
    info: () => undefined,
    warn: () => undefined,
    error: (msg) => errors.push(msg),
  }, stop.signal);
  await provider.start();
  stop.abort();
  return result;
}

/**
 * Where the file provider's file is when checking from elsewhere: next to traefik.yml first (a relative
 * name, or the basename of a container path like /etc/traefik/dynamic.yml), then as written.
 */
function dynamicFilePath(filename: string, configFile: string | undefined): string {
  if (configFile === undefined) return filename;
  const dir = dirname(resolve(configFile));
  const candidates = [...(isAbsolute(filename) ? [] : [join(dir, filename)]), filename, join(dir, basename(filename))];
  return candidates.find((c) => existsSync(c)) ?? filename;
}

function siblingConfig(composeFile: string): string | undefined {
  for (const name of ['traefik.yml', 'traefik.yaml', 'traefik.toml']) {
    const candidate = join(dirname(resolve(composeFile)), name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

interface CheckArgs { compose?: string; docker: boolean; configFile?: string; project?: string; json: boolean }

function parseArgs(argv: readonly string[]): CheckArgs | { error: string } {
  const args: CheckArgs = { docker: false, json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag.toLowerCase()) {
      case '--compose': args.compose = value(); break;
      case '--configfile': args.configFile = value(); break;
      case '--project': case '-p': args.project = value(); break;
      case '--docker': args.docker = true; break;
      case '--json': args.json = true; break;
      default: return { error: `unknown option "${arg}"` };
    }
  }
  if (args.compose === undefined && !args.docker && args.configFile === undefined) return { error: 'say what to check: --compose FILE, --docker or --configFile FILE' };
  return args;
}
