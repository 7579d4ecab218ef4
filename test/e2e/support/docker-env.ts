// The Docker environment of pe-edge's end-to-end tests: a real engine, images built locally by
// test/e2e/images/build-images.sh (no registry exists), containers and compose projects that are
// always removed, even after a crashed test (their owner's pid is on them: see removeLeftovers).
//
//   test('...', async (t) => {
//     if (!(await requireDocker(t))) return;        // skips loudly; fails when CI is set
//     await ensureImages();
//     const scope = dockerScope(t);                   // cleanup registered with t.after
//     const c = await scope.run({ image: IMAGES.whoami, labels: { 'traefik.enable': 'true' } });
//     const ip = await c.ip();
//   });
//
// Every command is bounded in time; a command that outlives its limit is killed and rejected.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { repoRoot } from '../../support/cli-process.js';

/** The images build-images.sh makes. */
export const IMAGES = {
  base: 'pe-edge-node-base:local',
  whoami: 'pe-edge-whoami:local',
  whoamiHc: 'pe-edge-whoami-hc:local',
  edge: 'pe-edge:local',
} as const;

/** Label on every container/network a test makes: `pe-edge.test=<test id>`. */
export const TEST_LABEL = 'pe-edge.test';
/** Label naming the process that made it (`<pid>`): leftovers of dead processes are removed. */
export const OWNER_LABEL = 'pe-edge.test.owner';
/** Compose projects made here are named `pee2e-<pid>-<name>`. */
const COMPOSE_PREFIX = 'pee2e-';

// ------------------------------------------------------------------------------ commands

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CommandOptions {
  /** Kill the command after this long (default 60 s). */
  timeoutMs?: number;
  input?: string;
  cwd?: string;
  /** Pass stderr through to this process's stderr as it comes (long builds). */
  echoStderr?: boolean;
}

/** Runs a command; resolves with its exit code whatever it is, rejects only on a time-out or spawn error. */
export function runCommand(cmd: string, args: readonly string[], opts: CommandOptions = {}): Promise<CommandResult> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (opts.echoStderr === true) process.stderr.write(d);
    });
    const timer = setTimeout(() => {
      // detached: the command leads its own process group, so its children go too.
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
      reject(new Error(`${cmd} ${args.join(' ')}: no exit after ${timeoutMs} ms (killed)\n${stderr.slice(-2000)}`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal !== null ? 128 : 1), stdout, stderr });
    });
    // A command that exits without reading its input closes the pipe: EPIPE on stdin, no error of the command's
    // (its exit code says how it went); unheard, it was an uncaught exception that failed a whole e2e test.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

/** `docker ARGS`: stdout, trimmed; rejects with stderr on a non-zero exit. */
export async function docker(args: readonly string[], opts: CommandOptions = {}): Promise<string> {
  const r = await runCommand('docker', args, opts);
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')} exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout.trim();
}

// ------------------------------------------------------------------------------ engine

let available: Promise<string | undefined> | undefined;

/** Why the engine can't be used, or undefined when `docker info` answers (checked once per process). */
export function dockerUnavailableReason(): Promise<string | undefined> {
  available ??= runCommand('docker', ['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 20_000 }).then(
    (r) => (r.code === 0 && r.stdout.trim() !== '' ? undefined : (r.stderr.trim() || `docker info exited ${r.code}`)),
    (err: unknown) => (err instanceof Error ? err.message : String(err)),
  );
  return available;
}

function banner(lines: string[]): string {
  const bar = '!'.repeat(78);
  return ['', bar, ...lines.map((l) => `!! ${l}`), bar, ''].join('\n');
}

/**
 * True when a Docker engine answers. Otherwise the test is skipped with a loud banner and false
 * is returned — except when CI is set: a missing engine in CI is an error, so this throws.
 */
export async function requireDocker(t: TestContext): Promise<boolean> {
  const reason = await dockerUnavailableReason();
  if (reason === undefined) return true;
  const lines = [
    `END-TO-END TEST "${t.name}" NEEDS A DOCKER ENGINE, AND NONE ANSWERS:`,
    reason.split('\n')[0] ?? reason,
    'start one (dockerd > /tmp/dockerd.log 2>&1 &) — .ci/run installs and starts it in CI',
  ];
  if (process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false') {
    throw new Error(banner([...lines, 'CI is set: a missing Docker engine fails the run']));
  }
  console.warn(banner([...lines, 'SKIPPED (CI is not set)']));
  t.skip(`no Docker engine: ${reason.split('\n')[0] ?? ''}`);
  return false;
}

let images: Promise<void> | undefined;

/**
 * Runs test/e2e/images/build-images.sh once per process (up to 15 min; ~10 s when up to date),
 * after removing leftovers of dead test processes. With PE_EDGE_IMAGES_BUILT=1 (.ci/run sets it
 * after running the script itself) the script is skipped while all of IMAGES exist.
 */
export function ensureImages(): Promise<void> {
  images ??= (async () => {
    await removeLeftovers();
    if (process.env.PE_EDGE_IMAGES_BUILT === '1') {
      const r = await runCommand('docker', ['image', 'inspect', '--format', '{{.Id}}', ...Object.values(IMAGES)], { timeoutMs: 30_000 });
      if (r.code === 0) return;
    }
    const script = join(repoRoot(), 'test/e2e/images/build-images.sh');
    const r = await runCommand('bash', [script], { timeoutMs: 15 * 60_000, echoStderr: true });
    if (r.code !== 0) throw new Error(`${script} exited ${r.code}:\n${r.stderr.slice(-4000)}`);
  })();
  return images;
}

// ------------------------------------------------------------------------------ waiting, HTTP

/** Polls `check` until it returns a value other than undefined/false; rejects after timeoutMs with the last error. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs = 30_000, intervalMs = 200 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) {
      const why = last instanceof Error ? `: ${last.message}` : last !== undefined ? `: ${String(last)}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * One HTTP/1.1 request with a time limit (default 5 s), on a fresh connection; a Host header may
 * be set (fetch would drop it). Only for 127.0.0.1 and the tests' own containers.
 */
export function httpGet(
  url: string,
  { headers = {}, method = 'GET', body, timeoutMs = 5000 }: { headers?: Record<string, string>; method?: string; body?: string; timeoutMs?: number } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false, timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

// ------------------------------------------------------------------------------ containers

export interface RunOptions {
  image: string;
  /** Container name; default pee2e-<test id>-<n>. */
  name?: string;
  labels?: Record<string, string>;
  env?: Record<string, string>;
  network?: string;
  networkAliases?: string[];
  hostname?: string;
  /** `-p` values, e.g. '127.0.0.1::8082' (publish on loopback only). */
  publish?: string[];
  /** `-v` values, e.g. '/tmp/x/traefik.yml:/etc/traefik/traefik.yml:ro'. */
  volumes?: string[];
  entrypoint?: string;
  user?: string;
  /** Extra `docker run` flags, before the image. */
  flags?: string[];
  /** Arguments after the image. */
  args?: string[];
}

export interface ContainerState {
  Status: string;
  Running: boolean;
  ExitCode: number;
  Health?: { Status: string; FailingStreak: number; Log: { ExitCode: number; Output: string }[] };
}

/** One container made by dockerRun; removed by its scope's cleanup. */
export class Container {
  constructor(
    readonly id: string,
    readonly name: string,
  ) {}

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- docker inspect's JSON, read ad hoc
  async inspect(): Promise<any> {
    const out = await docker(['inspect', this.id]);
    return (JSON.parse(out) as unknown[])[0];
  }

  async state(): Promise<ContainerState> {
    return JSON.parse(await docker(['inspect', '--format', '{{json .State}}', this.id])) as ContainerState;
  }

  /** `healthy` / `unhealthy` / `starting`, or undefined when the image has no HEALTHCHECK. */
  async health(): Promise<string | undefined> {
    return (await this.state()).Health?.Status;
  }

  /** Waits until the health status is `status`; the error names the last health-check outputs. */
  async waitHealth(status: 'healthy' | 'unhealthy' | 'starting', timeoutMs = 60_000): Promise<void> {
    let last: ContainerState | undefined;
    try {
      await waitFor(`${this.name} to be ${status}`, async () => {
        last = await this.state();
        if (!last.Running) throw new Error(`container exited with ${last.ExitCode}`);
        return last.Health?.Status === status;
      }, { timeoutMs, intervalMs: 250 });
    } catch (err) {
      const log = (last?.Health?.Log ?? []).map((l) => `  exit ${l.ExitCode}: ${l.Output.trim()}`).join('\n');
      const logs = await this.logs().catch(() => '');
      throw new Error(`${(err as Error).message}\nhealth: ${last?.Health?.Status ?? 'none'}\n${log}\nlogs:\n${logs.slice(-3000)}`);
    }
  }

  /** The container's address on `network` (default: its first network). */
  async ip(network?: string): Promise<string> {
    const nets = JSON.parse(await docker(['inspect', '--format', '{{json .NetworkSettings.Networks}}', this.id])) as Record<
      string,
      { IPAddress: string }
    >;
    const entry = network !== undefined ? nets[network] : Object.values(nets)[0];
    if (entry === undefined || entry.IPAddress === '') throw new Error(`${this.name} has no address on ${network ?? 'any network'}`);
    return entry.IPAddress;
  }

  /** The host port published for `containerPort` (e.g. 8082), as { host, port }. */
  async hostPort(containerPort: number | string): Promise<{ host: string; port: number }> {
    const out = await docker(['port', this.id, `${containerPort}/tcp`]);
    const line = out.split('\n').find((l) => l.startsWith('127.0.0.1:') || l.startsWith('0.0.0.0:')) ?? out.split('\n')[0] ?? '';
    const m = /^(.*):(\d+)$/.exec(line.trim());
    if (m === null) throw new Error(`${this.name}: port ${containerPort} is not published (${out})`);
    const host = m[1] === '0.0.0.0' || m[1] === '' ? '127.0.0.1' : (m[1] as string);
    return { host, port: Number(m[2]) };
  }

  async logs(): Promise<string> {
    const r = await runCommand('docker', ['logs', this.id], { timeoutMs: 20_000 });
    return r.stdout + r.stderr;
  }

  async exec(cmd: string[], timeoutMs = 30_000): Promise<CommandResult> {
    return runCommand('docker', ['exec', this.id, ...cmd], { timeoutMs });
  }

  async stop(timeoutSeconds = 5): Promise<void> {
    await docker(['stop', '-t', String(timeoutSeconds), this.id], { timeoutMs: (timeoutSeconds + 30) * 1000 });
  }

  async start(): Promise<void> {
    await docker(['start', this.id]);
  }

  async remove(): Promise<void> {
    await runCommand('docker', ['rm', '-f', '-v', this.id], { timeoutMs: 60_000 });
  }
}

let counter = 0;

/** A short id for one test: `<pid>-<random>`. */
export function newTestId(): string {
  return `${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** `docker run -d` with the test's labels; the container is not removed by itself (see dockerScope). */
export async function dockerRun(testId: string, opts: RunOptions): Promise<Container> {
  const name = opts.name ?? `pee2e-${testId}-${++counter}`;
  const args = ['run', '-d', '--name', name, '--label', `${TEST_LABEL}=${testId}`, '--label', `${OWNER_LABEL}=${process.pid}`];
  for (const [k, v] of Object.entries(opts.labels ?? {})) args.push('--label', `${k}=${v}`);
  for (const [k, v] of Object.entries(opts.env ?? {})) args.push('-e', `${k}=${v}`);
  if (opts.network !== undefined) args.push('--network', opts.network);
  for (const a of opts.networkAliases ?? []) args.push('--network-alias', a);
  if (opts.hostname !== undefined) args.push('--hostname', opts.hostname);
  for (const p of opts.publish ?? []) args.push('-p', p);
  for (const v of opts.volumes ?? []) args.push('-v', v);
  if (opts.entrypoint !== undefined) args.push('--entrypoint', opts.entrypoint);
  if (opts.user !== undefined) args.push('--user', opts.user);
  args.push(...(opts.flags ?? []), opts.image, ...(opts.args ?? []));
  const id = await docker(args, { timeoutMs: 60_000 });
  return new Container(id, name);
}

/** `docker network create` with the test's labels; returns the network's name. */
export async function createNetwork(testId: string, name = `pee2e-${testId}-net${++counter}`): Promise<string> {
  await docker(['network', 'create', '--label', `${TEST_LABEL}=${testId}`, '--label', `${OWNER_LABEL}=${process.pid}`, name]);
  return name;
}

/** Removes the containers, then the networks and volumes, labelled pe-edge.test=<testId>. */
export async function removeByTestId(testId: string): Promise<void> {
  await removeLabelled(`${TEST_LABEL}=${testId}`, () => true);
}

async function removeLabelled(filter: string, keep: (owner: string) => boolean): Promise<void> {
  const list = async (kind: string[], fmt: string): Promise<string[][]> =>
    (await docker([...kind, '--filter', `label=${filter}`, '--format', fmt]))
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => l.split('\t'));
  const own = `{{.Label "${OWNER_LABEL}"}}`;
  const containers = (await list(['ps', '-a'], `{{.ID}}\t${own}`)).filter(([, o]) => keep(o ?? ''));
  if (containers.length > 0) await runCommand('docker', ['rm', '-f', '-v', ...containers.map(([id]) => id as string)], { timeoutMs: 120_000 });
  const networks = (await list(['network', 'ls'], `{{.ID}}\t${own}`)).filter(([, o]) => keep(o ?? ''));
  if (networks.length > 0) await runCommand('docker', ['network', 'rm', ...networks.map(([id]) => id as string)], { timeoutMs: 60_000 });
  const volumes = (await list(['volume', 'ls'], `{{.Name}}\t${own}`)).filter(([, o]) => keep(o ?? ''));
  if (volumes.length > 0) await runCommand('docker', ['volume', 'rm', '-f', ...volumes.map(([id]) => id as string)], { timeoutMs: 60_000 });
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes what earlier, crashed test processes left: containers/networks/volumes labelled
 * pe-edge.test whose owner process is gone, and compose projects `pee2e-<pid>-*` of dead pids.
 * Those of live processes (another test run on this machine) are left alone.
 */
export async function removeLeftovers(): Promise<void> {
  await removeLabelled(TEST_LABEL, (owner) => !processAlive(Number(owner)));
  const projects = new Set(
    (await docker(['ps', '-a', '--filter', 'label=com.docker.compose.project', '--format', '{{.Label "com.docker.compose.project"}}']))
      .split('\n')
      .filter((p) => p.startsWith(COMPOSE_PREFIX)),
  );
  for (const n of (await docker(['network', 'ls', '--format', '{{.Name}}'])).split('\n')) {
    if (n.startsWith(COMPOSE_PREFIX)) projects.add(n.replace(/_[^_]*$/, ''));
  }
  for (const project of projects) {
    const pid = Number(/^pee2e-(\d+)-/.exec(project)?.[1]);
    if (processAlive(pid)) continue;
    const filter = `label=com.docker.compose.project=${project}`;
    const ids = (await docker(['ps', '-aq', '--filter', filter])).split('\n').filter((l) => l !== '');
    if (ids.length > 0) await runCommand('docker', ['rm', '-f', '-v', ...ids], { timeoutMs: 120_000 });
    const nets = (await docker(['network', 'ls', '-q', '--filter', filter])).split('\n').filter((l) => l !== '');
    const named = (await docker(['network', 'ls', '--format', '{{.Name}}'])).split('\n').filter((n) => n.startsWith(`${project}_`));
    if (nets.length + named.length > 0) await runCommand('docker', ['network', 'rm', ...new Set([...nets, ...named])], { timeoutMs: 60_000 });
    const vols = (await docker(['volume', 'ls', '-q', '--filter', filter])).split('\n').filter((l) => l !== '');
    if (vols.length > 0) await runCommand('docker', ['volume', 'rm', '-f', ...vols], { timeoutMs: 60_000 });
  }
}

export interface DockerScope {
  /** This test's id: every container/network made through the scope carries pe-edge.test=<id>. */
  readonly id: string;
  run(opts: RunOptions): Promise<Container>;
  network(name?: string): Promise<string>;
  compose(name: string, yamlText: string): ComposeProject;
  /** A temp folder for the test's files (traefik.yml to mount...), removed at cleanup. */
  readonly dir: string;
  writeFile(name: string, text: string): string;
}

/**
 * Containers, networks, compose projects and files for one test, all removed by t.after
 * (compose projects with `down -v --remove-orphans`).
 */
export function dockerScope(t: TestContext): DockerScope {
  const id = newTestId();
  const dir = mkdtempSync(join(tmpdir(), 'pe-e2e-'));
  // Readable by a container's non-root user (pe-edge runs as node, uid 1000) when mounted.
  chmodSync(dir, 0o755);
  const projects: ComposeProject[] = [];
  t.after(async () => {
    for (const p of projects) await p.down().catch((err: unknown) => console.warn(`compose down ${p.name}: ${String(err)}`));
    await removeByTestId(id);
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    id,
    dir,
    run: (opts) => dockerRun(id, opts),
    network: (name) => createNetwork(id, name),
    compose: (name, yamlText) => {
      const p = composeProject(name, yamlText);
      projects.push(p);
      return p;
    },
    writeFile: (name, text) => {
      const file = join(dir, name);
      writeFileSync(file, text, { mode: 0o644 });
      return file;
    },
  };
}

// ------------------------------------------------------------------------------ compose (v1)

export interface ComposeContainer {
  id: string;
  name: string;
  service: string;
  number: number;
  state: string;
  health: string | undefined;
  /** Network name → IP address. */
  ips: Record<string, string>;
}

export interface ComposeProject {
  /** The real project name: `pee2e-<pid>-<name>` (compose labels and names use it). */
  readonly name: string;
  readonly file: string;
  /** `docker-compose -p NAME -f FILE ARGS` (stdout; rejects on a non-zero exit). */
  compose(args: string[], timeoutMs?: number): Promise<string>;
  up(services?: string[]): Promise<void>;
  scale(service: string, n: number): Promise<void>;
  down(): Promise<void>;
  ps(): Promise<ComposeContainer[]>;
  /** The IP addresses of a service's containers (on `network`, default the first), by container number. */
  containerIps(service: string, network?: string): Promise<string[]>;
  logs(service?: string): Promise<string>;
}

/** A docker-compose (v1) project from YAML text, in a temp file. Call down() (dockerScope does). */
export function composeProject(name: string, yamlText: string): ComposeProject {
  const project = `${COMPOSE_PREFIX}${process.pid}-${name.toLowerCase().replace(/[^a-z0-9_-]/g, '')}`;
  const dir = mkdtempSync(join(tmpdir(), 'pe-compose-'));
  const file = join(dir, 'docker-compose.yml');
  const compose = async (args: string[], timeoutMs = 120_000): Promise<string> => {
    // (Re)written before each command: down() removes the folder, and up() may follow.
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, yamlText);
    const r = await runCommand('docker-compose', ['--ansi', 'never', '-p', project, '-f', file, ...args], { timeoutMs, cwd: dir });
    if (r.code !== 0) throw new Error(`docker-compose ${args.join(' ')} (${project}) exited ${r.code}:\n${r.stderr.trim()}`);
    return r.stdout;
  };
  const ps = async (): Promise<ComposeContainer[]> => {
    const ids = (await compose(['ps', '-q'])).split('\n').map((l) => l.trim()).filter((l) => l !== '');
    if (ids.length === 0) return [];
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- docker inspect's JSON
    const all = JSON.parse(await docker(['inspect', ...ids])) as any[];
    return all
      .map((c) => ({
        id: String(c.Id),
        name: String(c.Name).replace(/^\//, ''),
        service: String(c.Config.Labels['com.docker.compose.service'] ?? ''),
        number: Number(c.Config.Labels['com.docker.compose.container-number'] ?? 0),
        state: String(c.State.Status),
        health: c.State.Health?.Status as string | undefined,
        ips: Object.fromEntries(
          Object.entries(c.NetworkSettings.Networks as Record<string, { IPAddress: string }>).map(([n, v]) => [n, v.IPAddress]),
        ),
      }))
      .sort((a, b) => a.service.localeCompare(b.service) || a.number - b.number);
  };
  let downed = false;
  return {
    name: project,
    file,
    compose,
    up: async (services = []) => {
      downed = false;
      await compose(['up', '-d', '--no-build', '--remove-orphans', ...services], 300_000);
    },
    scale: async (service, n) => {
      await compose(['up', '-d', '--no-build', '--no-recreate', '--scale', `${service}=${n}`, service], 300_000);
    },
    down: async () => {
      if (downed) return;
      await compose(['down', '-v', '--remove-orphans', '-t', '5'], 180_000);
      downed = true;
      rmSync(dir, { recursive: true, force: true });
    },
    ps,
    containerIps: async (service, network) =>
      (await ps())
        .filter((c) => c.service === service)
        .map((c) => (network !== undefined ? c.ips[network] : Object.values(c.ips)[0]) ?? '')
        .filter((ip) => ip !== ''),
    logs: async (service) => compose(['logs', '--no-color', ...(service !== undefined ? [service] : [])], 60_000),
  };
}
