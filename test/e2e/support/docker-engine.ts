// Stopping and starting the Docker Engine itself (engine-restart test). dockerd is started the way
// .ci/run starts it (`dockerd >>/tmp/dockerd.log 2>&1 &`, detached so it outlives the test), and
// stopped by the pid in its pid file (SIGTERM), never by name. Every wait is bounded.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { runCommand } from './docker-env.js';

const PID_FILE = '/var/run/docker.pid';
const LOG_FILE = '/tmp/dockerd.log';

export async function engineAnswers(): Promise<boolean> {
  try {
    const r = await runCommand('docker', ['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 10_000 });
    return r.code === 0 && r.stdout.trim() !== '';
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The running dockerd's pid (from its pid file), or undefined. */
export function dockerdPid(): number | undefined {
  if (!existsSync(PID_FILE)) return undefined;
  const pid = Number(readFileSync(PID_FILE, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : undefined;
}

/** SIGTERM to dockerd (by pid), then waits until it has exited (at most timeoutMs). */
export async function stopDockerd(timeoutMs = 60_000): Promise<void> {
  const pid = dockerdPid();
  if (pid === undefined) throw new Error(`no running dockerd (${PID_FILE})`);
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (alive(pid)) {
    if (Date.now() > deadline) throw new Error(`dockerd ${pid} still running ${timeoutMs} ms after SIGTERM`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts dockerd in the background (detached, log appended to /tmp/dockerd.log); resolves once `docker info` answers. */
export async function startDockerd(timeoutMs = 60_000): Promise<void> {
  const log = openSync(LOG_FILE, 'a');
  try {
    const child = spawn('dockerd', [], { detached: true, stdio: ['ignore', log, log] });
    child.on('error', () => undefined);
    child.unref();
  } finally {
    closeSync(log);
  }
  const deadline = Date.now() + timeoutMs;
  while (!(await engineAnswers())) {
    if (Date.now() > deadline) throw new Error(`dockerd did not answer within ${timeoutMs} ms; see ${LOG_FILE}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Whatever happened: leaves a Docker Engine answering (starts one when none does). */
export async function ensureDockerd(): Promise<void> {
  if (await engineAnswers()) return;
  // A dockerd still shutting down holds its pid file and socket: let it finish first.
  const pid = dockerdPid();
  if (pid !== undefined) {
    const deadline = Date.now() + 30_000;
    while (alive(pid) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      if (await engineAnswers()) return;
    }
  }
  await startDockerd();
}

/**
 * Restarting dockerd stops every container on the machine, not only the tests': that test runs only in CI or
 * when asked for with PE_EDGE_E2E_ENGINE_RESTART=1. Otherwise it is skipped, saying how to run it.
 */
export function engineRestartAllowed(t: TestContext): boolean {
  const ci = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
  if (ci || process.env.PE_EDGE_E2E_ENGINE_RESTART === '1') return true;
  const message = 'restarts dockerd, which stops every container on this machine: run it with PE_EDGE_E2E_ENGINE_RESTART=1 (CI runs it)';
  console.warn(`SKIPPED "${t.name}": ${message}`);
  t.skip(message);
  return false;
}
