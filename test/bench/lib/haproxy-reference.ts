/**
 * HAProxy as the reference beside pe-edge in the TypeScript benches: one thread, one backend server, in TCP or HTTP
 * mode, its configuration written to a temporary folder and printed by the bench that asks (`config`).
 * BENCH_HAPROXY_SPLICE=1 adds `option splice-auto` (the kernel moves the bytes between the two sockets; off in
 * HAProxy's defaults and in most configurations).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../support/cli-process.js';

export interface HaproxyReference {
  readonly name: string;
  readonly port: number;
  /** Its one process, whose CPU time benches read around each transfer. */
  readonly pid: number;
  /** The configuration it runs, as written. */
  readonly config: string;
  stop(): Promise<void>;
}

/** Resolves once something accepts connections on the loopback `port`; throws after 10 s. */
export async function waitConnectable(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on ${port}`);
}

/** HAProxy forwarding a free loopback port to `backendPort`, or null when it is not installed. */
export async function startHaproxy(backendPort: number, mode: 'tcp' | 'http'): Promise<HaproxyReference | null> {
  if (spawnSync('sh', ['-c', 'command -v haproxy']).status !== 0) return null;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'pe-bench-haproxy-'));
  const file = join(dir, 'haproxy.cfg');
  const splice = process.env.BENCH_HAPROXY_SPLICE === '1';
  const config = [
    'global', '  nbthread 1', '  maxconn 4096',
    'defaults', `  mode ${mode}`, ...(splice ? ['  option splice-auto'] : []), '  timeout connect 5s', '  timeout client 60s', '  timeout server 60s',
    'frontend bench_in', `  bind 127.0.0.1:${port}`, '  default_backend app',
    'backend app', `  server app1 127.0.0.1:${backendPort}`, '',
  ].join('\n');
  writeFileSync(file, config);
  const child = spawn('haproxy', ['-db', '-f', file], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (child.pid === undefined) throw new Error('haproxy did not start');
  const exited = new Promise((r) => child.once('exit', r));
  await waitConnectable(port);
  return {
    name: `HAProxy (mode ${mode}, nbthread 1${splice ? ', splice-auto' : ''})`,
    port,
    pid: child.pid,
    config,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
