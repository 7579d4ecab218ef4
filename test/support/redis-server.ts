import assert from 'node:assert/strict';
import { test } from 'node:test';
// Debian's redis-server for tests: on a free loopback port, without persistence, killed when the test ends.
// In CI (CI=true) a missing redis-server fails the suite; elsewhere the tests are skipped loudly.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './cli-process.js';

export const REDIS_SERVER = '/usr/bin/redis-server';

/** Why Redis tests cannot run here ('missing' in CI is a failure), or null when they can. */
export function redisServerMissing(): 'fail' | 'skip' | null {
  if (existsSync(REDIS_SERVER)) return null;
  return process.env['CI'] === 'true' ? 'fail' : 'skip';
}

/**
 * Whether a suite that needs a real Redis can run. When it cannot, one test named for `subject` says so:
 * skipped loudly here, failed in CI (.ci/run installs redis-server).
 */
export function redisTestsCanRun(subject: string): boolean {
  const missing = redisServerMissing();
  if (missing === null) return true;
  test(`${subject} against a real Redis`, { skip: missing === 'skip' ? `SKIPPED LOUDLY: ${REDIS_SERVER} is missing` : false }, () => {
    if (missing === 'fail') assert.fail(`${REDIS_SERVER} is missing: .ci/run installs redis-server`);
  });
  return false;
}

/** Certificate files of a TLS redis-server. */
export interface RedisTls {
  cert: string;
  key: string;
  ca?: string;
}

/** One redis-server; `kill` and `start` again keep its port (a restart is an empty Redis: no persistence). */
export class RedisServer {
  private child: ChildProcess | null = null;
  private readonly dir = mkdtempSync(join(tmpdir(), 'pe-redis-'));

  private constructor(readonly port: number, private readonly extraArgs: readonly string[], private readonly tls: RedisTls | undefined) {}

  /**
   * `extraArgs`: more redis-server directives, e.g. ['--user', 'edge', 'on', '>secret', '~*', '+@all'];
   * `tls`: the port speaks TLS only (certificate files; `ca` set: clients must present a certificate it signed);
   * `port`: a port chosen beforehand (a free one by default).
   */
  static async start(extraArgs: readonly string[] = [], tls?: RedisTls, port?: number): Promise<RedisServer> {
    const server = new RedisServer(port ?? (await freePort()), extraArgs, tls);
    await server.start();
    return server;
  }

  get endpoint(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Starts (again) on the same port; resolves once it accepts connections. */
  async start(): Promise<void> {
    const listen = this.tls === undefined
      ? ['--port', String(this.port)]
      : ['--port', '0', '--tls-port', String(this.port), '--tls-cert-file', this.tls.cert, '--tls-key-file', this.tls.key,
          ...(this.tls.ca !== undefined ? ['--tls-ca-cert-file', this.tls.ca, '--tls-auth-clients', 'yes'] : ['--tls-auth-clients', 'no'])];
    const args = [...listen, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir, ...this.extraArgs];
    const child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    for (let i = 0; i < 200; i++) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}: ${stderr}`);
      if (await accepts(this.port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server did not listen on ${this.port}: ${stderr}`);
  }

  /** SIGKILL, as a crash: waits until the process is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await gone;
  }

  /** SIGSTOP / SIGCONT: connections stay open and nothing answers, as a Redis stuck on a slow disk. */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    this.resume();
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * dynamic.yml: every request goes through the rateLimit `limit` to `backend`; `redis` lines go under `redis:`, and
 * `sourceHeader` makes that request header the source (sourceCriterion.requestHeaderName).
 */
export function rateLimitDynamicYaml(backend: { url: string }, limit: { average: number; period: string; burst: number; sourceHeader?: string }, redis: readonly string[] | null): string {
  return [
    'http:',
    '  routers:',
    '    app:',
    '      rule: "PathPrefix(`/`)"',
    '      service: app',
    '      middlewares: [limit]',
    '  middlewares:',
    '    limit:',
    '      rateLimit:',
    `        average: ${limit.average}`,
    `        period: ${limit.period}`,
    `        burst: ${limit.burst}`,
    ...(limit.sourceHeader === undefined ? [] : ['        sourceCriterion:', `          requestHeaderName: ${limit.sourceHeader}`]),
    ...(redis === null ? [] : ['        redis:', ...redis.map((line) => `          ${line}`)]),
    '  services:',
    '    app:',
    '      loadBalancer:',
    '        servers:',
    `          - url: ${backend.url}`,
    '',
  ].join('\n');
}
