// What the CLI memory tests share: a backend that takes long heads, pe-edge under the CLI with the young generation
// it runs with in production, and its RSS. Each test sends what a hostile client would (long header lines, distinct
// values) and bounds how much RSS pe-edge keeps.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CliProcess, TempConfigDir } from './cli-process.js';
import { IMAGE_NODE_FLAGS } from '../../operator/workers/young-generation.js';

interface TestContext {
  after: (fn: () => unknown) => void;
}

/** A process's resident memory in MB, from /proc. */
export function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
}

/** A backend on loopback that reads heads up to 4 MiB (node's default is 16 kB); `app` by default. Returns its port. */
export async function startLongHeadBackend(t: TestContext, handler: http.RequestListener = (_req, res) => res.end('app')): Promise<number> {
  const backend = http.createServer({ maxHeaderSize: 4 * 1024 * 1024 }, handler);
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => { backend.closeAllConnections(); backend.close(() => resolve()); }));
  return (backend.address() as AddressInfo).port;
}

/** dynamic.yml's `app` service, one server: the backend at `port`. */
export function appServiceYaml(port: number): string {
  return `  services: { app: { loadBalancer: { servers: [{ url: "http://127.0.0.1:${port}" }] } } }`;
}

/** dynamic.yml's text routing every request on `web` to the backend at `port`. */
export function routeAllYaml(port: number): string {
  return ['http:', appServiceYaml(port), '  routers: { app: { rule: "PathPrefix(`/`)", entryPoints: [web], service: app } }'].join('\n');
}

/** traefik.yml's text for one `web` entrypoint on `port` and the file provider; `forwardedInsecure`: X-Forwarded-* trusted from anyone. */
export function webStaticYaml(port: number, forwardedInsecure = false): (dynamicFile: string) => string {
  const forwarded = forwardedInsecure ? '\n    forwardedHeaders:\n      insecure: true' : '';
  return (dynamicFile) => `entryPoints:\n  web:\n    address: "127.0.0.1:${port}"${forwarded}\nproviders:\n  file:\n    filename: ${JSON.stringify(dynamicFile)}\nlog:\n  level: INFO\n  format: json\n`;
}

/**
 * pe-edge under the CLI in a fresh config folder: `dynamic` is dynamic.yml's text, `staticYaml(dynamicFile)` gives
 * traefik.yml's. Run with IMAGE_NODE_FLAGS, as the image runs it; waits for `listeners` listening sockets and
 * the configuration applied. Stopped, and its folder removed, when the test ends.
 */
export async function startMeasuredEdge(t: TestContext, dynamic: string, staticYaml: (dynamicFile: string) => string, listeners = 1): Promise<number> {
  const dir = new TempConfigDir();
  t.after(() => dir.remove());
  const dynamicFile = dir.write('dynamic.yml', dynamic);
  dir.write('traefik.yml', staticYaml(dynamicFile));
  const edge = new CliProcess(['--configFile=traefik.yml'], { cwd: dir.path, nodeArgs: [...IMAGE_NODE_FLAGS] });
  t.after(() => edge.stop());
  await edge.waitListening(listeners, 10_000);
  await edge.waitForLine('configuration applied', 10_000).catch(() => undefined);
  const pid = edge.pid;
  assert.ok(pid !== undefined, 'pe-edge has a pid');
  return pid;
}
