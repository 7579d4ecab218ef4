// Driving Compose: through the `docker-compose` npm package when it can be loaded, else the binary itself;
// either way against Compose v2 (`docker compose`) when present, else v1 (`docker-compose`).
import { spawn } from 'node:child_process';
import type { ReplicaCounts } from './scale-plan.js';

/** Which Compose CLI runs: v2 is a docker plugin, v1 the standalone Python binary. */
export type ComposeExecutable =
  | { readonly version: 'v2'; readonly command: 'docker'; readonly prefix: readonly ['compose'] }
  | { readonly version: 'v1'; readonly command: 'docker-compose'; readonly prefix: readonly [] };

export const COMPOSE_V2: ComposeExecutable = { version: 'v2', command: 'docker', prefix: ['compose'] };
export const COMPOSE_V1: ComposeExecutable = { version: 'v1', command: 'docker-compose', prefix: [] };

export interface ComposeProject {
  /** The compose file (`-f`). */
  readonly file: string;
  /** The project name (`-p`); Compose derives one from the directory when absent. */
  readonly project?: string;
}

/**
 * Runs `<compose> -f file [-p project] <command> <args...>`, output streamed; resolves to the exit code. `env` replaces
 * the environment Compose interpolates the file with (default: this process's).
 */
export type ComposeRunner = (project: ComposeProject, command: string, args: readonly string[], env?: NodeJS.ProcessEnv) => Promise<number>;

/** Exit code of a command run quietly; -1 when it cannot be started (not installed). */
export type ProbeCommand = (command: string, args: readonly string[]) => Promise<number>;

export const probe: ProbeCommand = (command, args) =>
  new Promise((resolve) => {
    const child = spawn(command, [...args], { stdio: 'ignore' });
    child.once('error', () => resolve(-1));
    child.once('exit', (code) => resolve(code ?? 1));
  });

/** v2 first (current Docker), then v1; undefined when neither answers `version`. */
export async function detectCompose(run: ProbeCommand = probe): Promise<ComposeExecutable | undefined> {
  if ((await run('docker', ['compose', 'version'])) === 0) return COMPOSE_V2;
  if ((await run('docker-compose', ['version'])) === 0) return COMPOSE_V1;
  return undefined;
}

/** The arguments after the executable: global options, then the command. */
export function composeArgs(exe: ComposeExecutable, p: ComposeProject, command: string, args: readonly string[]): string[] {
  return [...exe.prefix, '-f', p.file, ...(p.project === undefined ? [] : ['-p', p.project]), command, ...args];
}

/** The binary through child_process, stdio inherited so progress and `ps` tables reach the user. */
export function binaryRunner(exe: ComposeExecutable): ComposeRunner {
  return (p, command, args, env) =>
    new Promise((resolve, reject) => {
      const child = spawn(exe.command, composeArgs(exe, p, command, args), { stdio: 'inherit', ...(env === undefined ? {} : { env }) });
      child.once('error', (err) => reject(new Error(`cannot run ${exe.command}: ${err.message}`)));
      child.once('exit', (code, signal) => resolve(code ?? (signal === null ? 1 : 128)));
    });
}

/** The part of the `docker-compose` npm package (PDMLab, v1.x) used here. */
interface ComposePackage {
  execCompose(
    command: string,
    args: string[],
    options: {
      config: string;
      composeOptions: string[][];
      executable?: { standalone: true };
      log: boolean;
      env?: NodeJS.ProcessEnv;
    },
  ): Promise<{ exitCode: number | null }>;
}

/**
 * The npm package, when installed. The specifier is a variable so that compose/ builds and runs
 * without it: it is not a declared dependency of pe-edge (see compose/README.md).
 */
export async function loadComposePackage(specifier = 'docker-compose'): Promise<ComposePackage | undefined> {
  try {
    const mod: unknown = await import(specifier);
    const candidate = (mod as { default?: unknown }).default ?? mod;
    const exec = (candidate as { execCompose?: unknown }).execCompose;
    return typeof exec === 'function' ? (candidate as ComposePackage) : undefined;
  } catch {
    return undefined;
  }
}

export function packageRunner(pkg: ComposePackage, exe: ComposeExecutable): ComposeRunner {
  return async (p, command, args, env) => {
    try {
      const result = await pkg.execCompose(command, [...args], {
        config: p.file,
        composeOptions: p.project === undefined ? [] : [['-p', p.project]],
        ...(exe.version === 'v1' ? { executable: { standalone: true as const } } : {}),
        ...(env === undefined ? {} : { env }),
        log: true,
      });
      return result.exitCode ?? 0;
    } catch (failure) {
      // The package rejects with its result object on a non-zero exit, or with an Error on spawn failure.
      const code = (failure as { exitCode?: unknown }).exitCode;
      if (typeof code === 'number') return code;
      throw failure instanceof Error ? failure : new Error(String(failure));
    }
  };
}

/** The runner for this machine; an Error saying what to install when Compose is missing. */
export async function createComposeRunner(): Promise<{ runner: ComposeRunner; description: string }> {
  const exe = await detectCompose();
  if (exe === undefined) {
    throw new Error('neither `docker compose` (v2) nor `docker-compose` (v1) answers `version`; install Docker Compose');
  }
  const name = `${exe.command}${exe.prefix.length > 0 ? ' compose' : ''} (${exe.version})`;
  const pkg = await loadComposePackage();
  return pkg === undefined
    ? { runner: binaryRunner(exe), description: `${name} via child_process` }
    : { runner: packageRunner(pkg, exe), description: `${name} via the docker-compose npm package` };
}

/** The Compose commands `pe-edge compose` offers, as compose arguments. */
export const composeCommands = {
  up: (): [string, string[]] => ['up', ['-d', '--remove-orphans']],
  down: (): [string, string[]] => ['down', []],
  ps: (): [string, string[]] => ['ps', []],
  // `scale` is deprecated in v1 and gone in v2; `up --scale` works in both. Without --no-recreate,
  // running replicas would be recreated and drop their in-flight requests. The counts are also in the file
  // (deploy.replicas, see replica-counts-file.ts); --scale says them again for Composes that ignore `deploy`.
  scale: (counts: ReplicaCounts): [string, string[]] => [
    'up',
    ['-d', '--no-recreate', ...counts.flatMap(([service, n]) => ['--scale', `${service}=${n}`]), ...counts.map(([service]) => service)],
  ],
} as const;
