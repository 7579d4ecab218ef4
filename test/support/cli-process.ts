// Runs the real `pe-edge` command line as a child process for end-to-end tests: a temp dir with
// generated traefik.yml/dynamic.yml, free loopback ports, stdout/stderr collected line by line.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The compiled CLI next to this compiled helper: `<out>/test/support/` → `<out>/operator/cli/main.js`,
 * so it works whatever the outDir (dist/, dist-t2/, ...).
 */
export const CLI_MAIN = fileURLToPath(new URL('../../operator/cli/main.js', import.meta.url));

/** The repository root: the first folder above this file holding package.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above the compiled tests');
    dir = up;
  }
}

/** A port nothing listens on right now: bind 127.0.0.1:0, read the port, close. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await portFreeNow();
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
}

// Ports this process was handed already. The kernel may hand a port just closed out again at once, and one test's
// two ports alike make pe-edge talk to itself: a service whose server is the test's own entrypoint loops (a
// metrics test once counted 9,987 requests where it sent one).
const handedOut = new Set<number>();

async function portFreeNow(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A temp dir for one test's config files; `write` returns the file's path. */
export class TempConfigDir {
  readonly path = mkdtempSync(join(tmpdir(), 'pe-cli-'));
  write(name: string, content: string): string {
    const file = join(this.path, name);
    writeFileSync(file, content);
    return file;
  }
  file(name: string): string {
    return join(this.path, name);
  }
  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface LogRecord {
  level?: string;
  message?: string;
  [key: string]: unknown;
}

type LineMatch = string | RegExp | ((line: string) => boolean);

function matches(line: string, what: LineMatch): boolean {
  if (typeof what === 'string') return line.includes(what);
  if (what instanceof RegExp) return what.test(line);
  return what(line);
}

/** One running CLI process; always `stop()` it in the test's cleanup. */
export class CliProcess {
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<Exit>;
  exit: Exit | undefined;
  readonly #child: ChildProcess;
  #waiters = new Set<() => void>();

  /**
   * `nodeArgs`: flags for node itself, before the script (`--cpu-prof`, `--trace-gc`: NODE_OPTIONS refuses V8 flags).
   * `node`: the node binary to run it with (default: the one running the tests).
   */
  constructor(args: readonly string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; nodeArgs?: readonly string[]; node?: string }) {
    this.#child = spawn(opts.node ?? process.execPath, [...(opts.nodeArgs ?? []), CLI_MAIN, ...args], {
      cwd: opts.cwd,
      // HOME and XDG_CONFIG_HOME point at the temp dir: no traefik.yml of the machine is discovered.
      env: { PATH: process.env.PATH, HOME: opts.cwd, XDG_CONFIG_HOME: opts.cwd, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#collect(this.#child.stdout, this.stdout);
    this.#collect(this.#child.stderr, this.stderr);
    this.exited = new Promise<Exit>((resolve) => {
      this.#child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        this.#notify();
        resolve(this.exit);
      });
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  #collect(stream: NodeJS.ReadableStream | null, into: string[]): void {
    if (stream === null) return;
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      for (const line of parts) if (line !== '') into.push(line);
      this.#notify();
    });
    stream.on('end', () => {
      if (rest !== '') into.push(rest);
      rest = '';
      this.#notify();
    });
  }

  #notify(): void {
    for (const w of [...this.#waiters]) w();
  }

  /** stdout lines parsed as JSON log records (lines that are not JSON are skipped). */
  logs(): LogRecord[] {
    const out: LogRecord[] = [];
    for (const line of this.stdout) {
      try {
        const v: unknown = JSON.parse(line);
        if (typeof v === 'object' && v !== null) out.push(v as LogRecord);
      } catch {
        // not a log line
      }
    }
    return out;
  }

  /** Log messages (the `message` field) of stdout JSON lines. */
  messages(level?: string): string[] {
    return this.logs()
      .filter((r) => level === undefined || r.level === level)
      .map((r) => String(r.message ?? ''));
  }

  /** Waits until `cond()` holds; rejects after `timeoutMs` or when the process exits first, with what it printed. */
  async waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!cond()) {
      if (this.exit !== undefined) throw new Error(`pe-edge exited (${JSON.stringify(this.exit)}) before ${what}\n${this.output()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${timeoutMs} ms\n${this.output()}`);
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.#waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, left);
        this.#waiters.add(done);
      });
    }
  }

  /** The first stdout line from index `from` (or stderr line) matching `what`, waiting up to `timeoutMs` for it. */
  async waitForLine(what: LineMatch, timeoutMs = 5000, from = 0): Promise<string> {
    let found: string | undefined;
    await this.waitFor(
      () => {
        found = this.stdout.slice(from).find((l) => matches(l, what)) ?? this.stderr.find((l) => matches(l, what));
        return found !== undefined;
      },
      timeoutMs,
      `line matching ${String(what)}`,
    );
    return found as string;
  }

  /** Waits until `count` entrypoints logged "entrypoint listening" (serve.ts logs them after listen()). */
  async waitListening(count: number, timeoutMs = 5000): Promise<void> {
    await this.waitFor(() => this.messages().filter((m) => m === 'entrypoint listening').length >= count, timeoutMs, `${count} x "entrypoint listening"`);
  }

  signal(sig: NodeJS.Signals): void {
    if (this.exit === undefined) this.#child.kill(sig);
  }

  /** Resolves with the exit, or rejects if it does not come within `timeoutMs`. */
  async waitExit(timeoutMs: number): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`pe-edge did not exit within ${timeoutMs} ms\n${this.output()}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Cleanup: SIGTERM, then SIGKILL if it is still there after 3 s. */
  async stop(): Promise<void> {
    if (this.exit !== undefined) return;
    this.signal('SIGTERM');
    try {
      await this.waitExit(3000);
    } catch {
      this.signal('SIGKILL');
      await this.exited;
    }
  }

  output(): string {
    return `--- stdout ---\n${this.stdout.join('\n')}\n--- stderr ---\n${this.stderr.join('\n')}`;
  }
}

/** Runs the CLI to its end (e.g. `healthcheck`, or a config error), killing it after `timeoutMs`. */
export async function runCli(
  args: readonly string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; node?: string },
): Promise<{ code: number | null; stdout: string[]; stderr: string[] }> {
  const proc = new CliProcess(args, opts);
  try {
    const exit = await proc.waitExit(opts.timeoutMs ?? 10_000);
    await new Promise((r) => setImmediate(r)); // let the last 'data' events land
    return { code: exit.code, stdout: proc.stdout, stderr: proc.stderr };
  } finally {
    await proc.stop();
  }
}

/** A minimal traefik.yml for tests: entrypoint(s) on 127.0.0.1, JSON INFO logs, optional file provider and ping. */
export function staticYaml(opts: {
  entryPoints: Record<string, number>;
  /** UDP entrypoints: name → port on 127.0.0.1 (`…/udp`). */
  udpEntryPoints?: Record<string, number>;
  dynamicFile?: string;
  ping?: string;
  graceTimeOut?: string;
  extra?: string;
}): string {
  const lines = ['entryPoints:'];
  for (const [name, port] of Object.entries(opts.entryPoints)) {
    lines.push(`  ${name}:`, `    address: "127.0.0.1:${port}"`);
    if (opts.graceTimeOut !== undefined) lines.push('    transport:', '      lifeCycle:', `        graceTimeOut: ${opts.graceTimeOut}`);
  }
  for (const [name, port] of Object.entries(opts.udpEntryPoints ?? {})) lines.push(`  ${name}:`, `    address: "127.0.0.1:${port}/udp"`);
  if (opts.dynamicFile !== undefined) lines.push('providers:', '  file:', `    filename: ${JSON.stringify(opts.dynamicFile)}`, '    watch: true');
  if (opts.ping !== undefined) lines.push('ping:', `  entryPoint: ${opts.ping}`);
  lines.push('log:', '  level: INFO', '  format: json');
  if (opts.extra !== undefined) lines.push(opts.extra);
  return lines.join('\n') + '\n';
}

/**
 * pe-edge run by the CLI in `dir` with one `web` entrypoint and the file provider reading `dynamic` (dynamic.yml's
 * text), once it listens and has applied that configuration; stopped when the test ends.
 */
export async function startCliWithDynamic(t: { after: (fn: () => Promise<void>) => void }, dir: TempConfigDir, dynamic: string): Promise<{ proc: CliProcess; port: number }> {
  const dynamicFile = dir.write('dynamic.yml', dynamic);
  const port = await freePort();
  dir.write('traefik.yml', staticYaml({ entryPoints: { web: port }, dynamicFile }));
  const proc = new CliProcess([`--configFile=${dir.file('traefik.yml')}`], { cwd: dir.path });
  t.after(() => proc.stop());
  await proc.waitListening(1, 15_000);
  await proc.waitForLine('configuration applied', 10_000).catch(() => undefined);
  return { proc, port };
}
