// pe-edge on the host (the repo's compiled CLI, as a child process) following the real Docker
// Engine, plus what the Docker e2e tests share: the Docker event stream with its timestamps, a
// request poller that records when each backend is first reached, and whoami's answer parsing.
//
//   const edge = await startEdgeOnHost(t, { network: 'pee2e-...' });
//   const r = await httpGet(edge.url + '/', { headers: { Host: 'app.test' } });
import { spawn } from 'node:child_process';
import type { TestContext } from 'node:test';
import { Agent, request } from 'undici';
import { CliProcess, TempConfigDir, freePort, runCli } from '../../support/cli-process.js';
import { httpGet, type HttpAnswer } from './docker-env.js';

export interface HostEdge {
  proc: CliProcess;
  port: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
  dir: TempConfigDir;
  configFile: string;
  stop(): Promise<void>;
}

export interface HostEdgeOptions {
  /** providers.docker.network (the network the tests' containers are on). */
  network: string;
  /** A dynamic.yml for the file provider (path), e.g. the repo's own for its middlewares. */
  dynamicFile?: string;
  /** Extra top-level static YAML. */
  extra?: string;
  /** The web entrypoint's port (default: a free one), for a peer that must know it first (pebble's httpPort). */
  port?: number;
  /** More entrypoints on 127.0.0.1: name → port. */
  entryPoints?: Record<string, number>;
  /** UDP entrypoints on 127.0.0.1 (`…/udp`): name → port. */
  udpEntryPoints?: Record<string, number>;
  /** Environment of the pe-edge process, beside PATH and HOME. */
  env?: NodeJS.ProcessEnv;
}

/** The traefik.yml pe-edge runs with on the host: entrypoint web (and any others) on 127.0.0.1, the docker provider, JSON logs. */
export function hostEdgeYaml(port: number, opts: HostEdgeOptions): string {
  const lines = [
    'entryPoints:',
    '  web:',
    `    address: "127.0.0.1:${port}"`,
    ...Object.entries(opts.entryPoints ?? {}).flatMap(([name, p]) => [`  ${name}:`, `    address: "127.0.0.1:${p}"`]),
    ...Object.entries(opts.udpEntryPoints ?? {}).flatMap(([name, p]) => [`  ${name}:`, `    address: "127.0.0.1:${p}/udp"`]),
    'providers:',
    '  docker:',
    '    exposedByDefault: false',
    `    network: ${JSON.stringify(opts.network)}`,
  ];
  if (opts.dynamicFile !== undefined) lines.push('  file:', `    filename: ${JSON.stringify(opts.dynamicFile)}`);
  lines.push('log:', '  level: INFO', '  format: json');
  if (opts.extra !== undefined) lines.push(opts.extra);
  return lines.join('\n') + '\n';
}

/** Starts pe-edge with the docker provider; resolves once it listens and synced with Docker. Stopped by t.after. */
export async function startEdgeOnHost(t: TestContext, opts: HostEdgeOptions): Promise<HostEdge> {
  const dir = new TempConfigDir();
  const port = opts.port ?? (await freePort());
  const configFile = dir.write('traefik.yml', hostEdgeYaml(port, opts));
  const proc = new CliProcess([`--configFile=${configFile}`], { cwd: dir.path, ...(opts.env !== undefined ? { env: opts.env } : {}) });
  const stop = async (): Promise<void> => {
    await proc.stop();
  };
  t.after(async () => {
    await stop();
    if (process.env.PE_EDGE_E2E_VERBOSE === '1') console.log(proc.output());
    dir.remove();
  });
  await proc.waitListening(1 + Object.keys(opts.entryPoints ?? {}).length + Object.keys(opts.udpEntryPoints ?? {}).length, 20_000);
  await proc.waitFor(() => proc.messages().some((m) => m.startsWith('Docker provider synced')), 20_000, 'Docker provider synced');
  return { proc, port, url: `http://127.0.0.1:${port}`, dir, configFile, stop };
}

/** `pe-edge ARGS` to its end (check, compose generate). */
export async function runPeEdge(args: readonly string[], timeoutMs = 30_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const dir = new TempConfigDir();
  try {
    const r = await runCli(args, { cwd: dir.path, timeoutMs });
    return { code: r.code, stdout: r.stdout.join('\n'), stderr: r.stderr.join('\n') };
  } finally {
    dir.remove();
  }
}

/** whoami's `Hostname:` line (the container's short id unless set). */
export function hostnameOf(body: string): string | undefined {
  return /^Hostname: (.*)$/m.exec(body)?.[1];
}

/** One request through the edge with a Host header, on a fresh connection. */
export function viaEdge(edge: Pick<HostEdge, 'url'>, host: string, path = '/', timeoutMs = 3000): Promise<HttpAnswer> {
  return httpGet(`${edge.url}${path}`, { headers: { Host: host }, timeoutMs });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------------------ docker events

export interface DockerEvent {
  /** container id */
  id: string;
  action: string;
  attributes: Record<string, string>;
  /** ms since the epoch, from Docker's timeNano */
  timeMs: number;
}

/** `docker events` (containers only) from now until stop(); every event kept with Docker's timestamp. */
export function followDockerEvents(): { events: DockerEvent[]; ready: Promise<void>; stop(): void; waitFor(pred: (e: DockerEvent) => boolean, timeoutMs: number): Promise<DockerEvent> } {
  const events: DockerEvent[] = [];
  const child = spawn('docker', ['events', '--format', '{{json .}}', '--filter', 'type=container'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let rest = '';
  const waiters = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop() ?? '';
    for (const line of parts) {
      if (line.trim() === '') continue;
      try {
        const raw = JSON.parse(line) as { Action?: string; status?: string; timeNano?: number; time?: number; Actor?: { ID?: string; Attributes?: Record<string, string> }; id?: string };
        events.push({
          id: raw.Actor?.ID ?? raw.id ?? '',
          action: raw.Action ?? raw.status ?? '',
          attributes: raw.Actor?.Attributes ?? {},
          timeMs: raw.timeNano !== undefined ? raw.timeNano / 1e6 : (raw.time ?? 0) * 1000,
        });
      } catch {
        // not JSON
      }
    }
    for (const w of [...waiters]) w();
  });
  child.on('error', () => undefined);
  // `docker events` prints nothing until an event comes; give the subscription a moment to open.
  const ready = sleep(300);
  return {
    events,
    ready,
    stop: () => {
      if (child.exitCode === null) child.kill('SIGTERM');
    },
    waitFor: (pred, timeoutMs) =>
      new Promise((resolve, reject) => {
        const check = (): boolean => {
          const hit = events.find(pred);
          if (hit === undefined) return false;
          clearTimeout(timer);
          waiters.delete(done);
          resolve(hit);
          return true;
        };
        const done = (): void => void check();
        const timer = setTimeout(() => {
          waiters.delete(done);
          reject(new Error(`no matching docker event within ${timeoutMs} ms (${events.length} seen)`));
        }, timeoutMs);
        if (!check()) waiters.add(done);
      }),
  };
}

// ------------------------------------------------------------------------------ first-seen poller

export interface FirstSeenPoller {
  /** Hostname → ms since the epoch of the first 200 answer naming it. */
  firstSeen: Map<string, number>;
  /** Hostname → number of 200 answers naming it. */
  counts: Map<string, number>;
  /** Non-200 answers and socket errors, with their time. */
  failures: { at: number; what: string }[];
  total: number;
  stop(): Promise<void>;
}

/**
 * `concurrency` keep-alive loops sending GETs with `host` to the edge, back to back (or every
 * `intervalMs`), recording when each backend (whoami Hostname) first answers. Bounded: stop().
 */
export function pollBackends(url: string, host: string, { concurrency = 2, intervalMs = 0, timeoutMs = 3000 } = {}): FirstSeenPoller {
  const agent = new Agent({ connections: concurrency, pipelining: 1, keepAliveTimeout: 10_000 });
  const state: FirstSeenPoller = { firstSeen: new Map(), counts: new Map(), failures: [], total: 0, stop: async () => undefined };
  let running = true;
  const loop = async (): Promise<void> => {
    while (running) {
      state.total++;
      try {
        const res = await request(url, { dispatcher: agent, headers: { host }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
        const body = await res.body.text();
        const at = Date.now();
        if (res.statusCode === 200) {
          const name = hostnameOf(body) ?? '?';
          if (!state.firstSeen.has(name)) state.firstSeen.set(name, at);
          state.counts.set(name, (state.counts.get(name) ?? 0) + 1);
        } else if (state.failures.length < 200) {
          state.failures.push({ at, what: `${res.statusCode} ${body.slice(0, 60).trim()}` });
        }
      } catch (err) {
        if (state.failures.length < 200) state.failures.push({ at: Date.now(), what: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
      }
      if (intervalMs > 0) await sleep(intervalMs);
    }
  };
  const loops = Array.from({ length: concurrency }, () => loop());
  state.stop = async () => {
    running = false;
    await Promise.all(loops);
    await agent.close();
  };
  return state;
}
