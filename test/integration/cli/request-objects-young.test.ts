// Under load through the seed's compress middleware, what one request allocates dies young: V8's scavenges keep
// next to nothing and stay short. With V8's allocation-site pretenuring on (node's default), some per-request
// sites were moved to the old generation under load, and from then on a quarter of the young generation
// survived each scavenge and was promoted, with pauses of 20-30 ms (operator/workers/young-generation.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CliProcess, freePort, TempConfigDir } from '../../support/cli-process.js';
import { keepRequestObjectsYoung, YOUNG_GENERATION_FLAG } from '../../../operator/workers/young-generation.js';

const PAGE = `<!DOCTYPE html><html><body>${'<p>Pixelated Empathy: support that listens.</p>'.repeat(90)}</body></html>`;

/** `count` GET requests over `connections` kept-alive connections, each accepting gzip. */
async function load(port: number, count: number, connections: number): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  let next = 0;
  const one = (): Promise<void> => new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/', agent, headers: { 'accept-encoding': 'gzip' } }, (res) => {
      if (res.statusCode !== 200 || res.headers['content-encoding'] !== 'gzip') reject(new Error(`answer ${res.statusCode} ${res.headers['content-encoding']}`));
      res.resume();
      res.once('end', resolve);
    }).once('error', reject);
  });
  const worker = async (): Promise<void> => {
    while (next++ < count) await one();
  };
  await Promise.all(Array.from({ length: connections }, worker));
  agent.destroy();
}

/** The promotion ratio (percent) of each scavenge in node's --trace-gc-nvp lines. */
function promotionRatios(lines: readonly string[]): number[] {
  return lines.filter((l) => l.includes('gc=s ')).map((l) => Number(/promotion_ratio=([0-9.]+)%/.exec(l)?.[1] ?? NaN));
}

test('the production chain under load: scavenges keep next to nothing of what requests allocated', async (t) => {
  const backend = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html', 'content-length': String(Buffer.byteLength(PAGE)), server: 'nginx' });
    res.end(PAGE);
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => backend.close(() => resolve())));
  const port = await freePort();
  const dir = new TempConfigDir();
  t.after(() => dir.remove());
  dir.write('dynamic.yml', [
    'http:',
    '  middlewares:',
    '    security-headers: { headers: { frameDeny: true, contentTypeNosniff: true, customResponseHeaders: { Server: "" } } }',
    '    rate-limit: { rateLimit: { average: 1000000000, burst: 1000000000 } }',
    '    compression: { compress: {} }',
    '    retry: { retry: { attempts: 3 } }',
    `  services: { app: { loadBalancer: { servers: [{ url: "http://127.0.0.1:${(backend.address() as AddressInfo).port}" }] } } }`,
    '  routers: { app: { rule: "PathPrefix(`/`)", entryPoints: [web], service: app, middlewares: [security-headers, rate-limit, compression, retry] } }',
  ].join('\n'));
  dir.write('traefik.yml', `entryPoints:\n  web:\n    address: "127.0.0.1:${port}"\nproviders:\n  file:\n    filename: ${JSON.stringify(dir.file('dynamic.yml'))}\nlog:\n  level: INFO\n  format: json\n`);
  // A young generation of 4 MiB instead of the image's 32: the same behaviour in an eighth of the requests.
  const edge = new CliProcess(['--configFile=traefik.yml'], { cwd: dir.path, nodeArgs: ['--max-semi-space-size=4', '--trace-gc-nvp'] });
  t.after(() => edge.stop());
  await edge.waitListening(1, 10_000);
  await load(port, 3000, 20);
  const warm = edge.stdout.length;
  await load(port, 6000, 20);
  const ratios = promotionRatios(edge.stdout.slice(warm)).sort((a, b) => a - b);
  t.diagnostic(`promotion ratio of each scavenge under load (%): ${ratios.join(' ')}`);
  assert.ok(ratios.length >= 5, `too few scavenges to judge (${ratios.length})`);
  const median = ratios[Math.floor(ratios.length / 2)] as number;
  assert.ok(median < 3, `median promotion ratio ${median} %: per-request objects outlive their requests (${ratios.join(' ')})`);
});

test('pretenuring is turned off unless node was told something about it', () => {
  assert.equal(keepRequestObjectsYoung(['--allocation-site-pretenuring'], undefined), false);
  assert.equal(keepRequestObjectsYoung([], '--no_allocation_site_pretenuring'), false);
  assert.equal(keepRequestObjectsYoung([YOUNG_GENERATION_FLAG], '--trace-warnings'), true);
});
