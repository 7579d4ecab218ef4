// pe-edge run by its CLI with a TLS router for a.test (a fixture certificate) and a json access log: what the
// HTTP/2 front's tests read their access log lines from.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { CliProcess, freePort, staticYaml, TempConfigDir } from './cli-process.js';
import { fixtureDir, type FixtureCertificate } from '../unit/tls/fixture-certificates.js';

type After = { after: (fn: () => Promise<void> | void) => void };

export interface TlsEdgeCli {
  readonly proc: CliProcess;
  /** The `web` entrypoint's port: TLS (h2, http/1.1) and plain (h2c, HTTP/1.1) alike. */
  readonly web: number;
  /** The json access log's path. */
  readonly log: string;
  readonly cert: FixtureCertificate;
}

/**
 * Starts it with `Host(a.test)` over TLS to `backendUrl` (and over plain connections too with `plainRouter`), under
 * `--workers=N` when `workers` is given; stopped and cleaned up when the test ends.
 */
export async function startTlsEdgeCli(t: After, backendUrl: string, opts: { workers?: number; plainRouter?: boolean } = {}): Promise<TlsEdgeCli> {
  const fixtures = fixtureDir();
  t.after(() => fixtures.remove());
  const cert = fixtures.make('a.test', ['a.test']);
  const dir = new TempConfigDir();
  t.after(() => dir.remove());
  const web = await freePort();
  const log = dir.file('access.log');
  const dynamicFile = dir.write('dynamic.yml', [
    'http:',
    '  routers:',
    '    tls: { rule: "Host(`a.test`)", service: app, tls: {} }',
    ...(opts.plainRouter === true ? ['    plain: { rule: "Host(`a.test`)", service: app }'] : []),
    '  services:',
    `    app: { loadBalancer: { servers: [{ url: "${backendUrl}" }] } }`,
    'tls:',
    '  certificates:',
    `    - { certFile: ${JSON.stringify(cert.certFile)}, keyFile: ${JSON.stringify(cert.keyFile)} }`,
  ].join('\n') + '\n');
  dir.write('traefik.yml', staticYaml({ entryPoints: { web }, dynamicFile, extra: ['accessLog:', `  filePath: ${JSON.stringify(log)}`, '  format: json'].join('\n') }));
  const workers = opts.workers ?? 1;
  const proc = new CliProcess(['--configFile=traefik.yml', ...(workers > 1 ? [`--workers=${workers}`] : [])], { cwd: dir.path });
  t.after(() => proc.stop());
  await proc.waitFor(() => proc.messages('info').filter((m) => m === 'entrypoint listening').length === workers, 30_000, 'listening');
  await proc.waitForLine('configuration applied', 10_000).catch(() => undefined);
  return { proc, web, log, cert };
}

/** The access log's json lines once there are at least `count` (fails after `timeoutMs`). */
export async function accessLogLines(file: string, count: number, timeoutMs = 5000): Promise<Record<string, unknown>[]> {
  const deadline = Date.now() + timeoutMs;
  let lines: string[] = [];
  while (Date.now() < deadline) {
    lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
    if (lines.length >= count) return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return assert.fail(`${file}: ${lines.length} lines, expected ${count}`);
}

/** Waits until `cond` holds (fails after `timeoutMs`). */
export async function until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
