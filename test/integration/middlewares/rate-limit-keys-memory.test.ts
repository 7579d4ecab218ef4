// rateLimit keeps a bucket per source for the bucket's ttl (an hour for `average: 1, period: 1h`), up to 65,536 of
// them. A source is as long as the client makes it (a request header, an X-Forwarded-For entry: up to
// http.maxHeaderBytes, 1 MiB), so kept as it came each bucket could hold a megabyte: a long source is counted under
// its SHA-256 (source-criterion.ts's countedKey). A short one cut from a long X-Forwarded-For line is, to V8, a
// window on that line (a sliced string): the buckets keep copies of their keys (ttl-map.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { freePort } from '../../support/cli-process.js';
import { appServiceYaml, rssMb, startLongHeadBackend, startMeasuredEdge, webStaticYaml } from '../../support/head-memory.js';

const PER_SOURCE_KIND = 1500;
// 100 kB of addresses before the one ipStrategy.depth 1 picks.
const PADDING = '9.9.9.9,'.repeat(12_500);


function get(agent: http.Agent, port: number, path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent, headers }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    }).once('error', reject);
  });
}

test(`rateLimit: ${PER_SOURCE_KIND} distinct 100 kB sources through requestHeaderName, and as many addresses at the end of 100 kB X-Forwarded-For lines through ipStrategy.depth, leave RSS within 150 MB; long sources are still counted apart`, { timeout: 180_000 }, async (t) => {
  const backend = await startLongHeadBackend(t);
  const port = await freePort();
  // average 1 per hour: each bucket is kept for an hour, longer than the test.
  const limit = (criterion: string, burst: number): string => `{ rateLimit: { average: 1, period: 1h, burst: ${burst}, sourceCriterion: ${criterion} } }`;
  const pid = await startMeasuredEdge(t, [
    'http:',
    appServiceYaml(backend),
    '  middlewares:',
    `    header: ${limit('{ requestHeaderName: X-Src }', 100000)}`,
    `    depth: ${limit('{ ipStrategy: { depth: 1 } }', 100000)}`,
    `    strict: ${limit('{ requestHeaderName: X-Src }', 1)}`,
    '  routers:',
    '    header: { rule: "PathPrefix(`/header`)", entryPoints: [web], service: app, middlewares: [header] }',
    '    depth: { rule: "PathPrefix(`/depth`)", entryPoints: [web], service: app, middlewares: [depth] }',
    '    strict: { rule: "PathPrefix(`/strict`)", entryPoints: [web], service: app, middlewares: [strict] }',
  ].join('\n'), webStaticYaml(port, true));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  t.after(() => agent.destroy());

  // Long sources that differ only in their last character are two buckets; the same long source is one.
  const long = 'x'.repeat(100_000);
  assert.equal(await get(agent, port, '/strict', { 'x-src': `${long}a` }), 200, 'a long source: its first request');
  assert.equal(await get(agent, port, '/strict', { 'x-src': `${long}a` }), 429, 'the same long source again: burst 1 spent');
  assert.equal(await get(agent, port, '/strict', { 'x-src': `${long}b` }), 200, 'a long source differing in its last character: a bucket of its own');
  assert.equal(await get(agent, port, '/strict', { 'x-src': 'short' }), 200);
  assert.equal(await get(agent, port, '/strict', { 'x-src': 'short' }), 429, 'a short source counts as before');

  await new Promise((r) => setTimeout(r, 300));
  const idle = rssMb(pid);
  const grown: string[] = [];
  // 2001:db8::<4 hex digits> is 14 characters: V8 copies a cut of 12 or fewer, and slices a longer one.
  const sources: Record<string, (i: number) => Record<string, string>> = {
    '/header': (i) => ({ 'x-src': `${i}-${long}` }),
    '/depth': (i) => ({ 'x-forwarded-for': `${PADDING} 2001:db8::${(0x1000 + i).toString(16)}` }),
  };
  for (const [path, headers] of Object.entries(sources)) {
    for (let i = 1; i <= PER_SOURCE_KIND; i += 4) {
      const batch: Promise<number>[] = [];
      for (let j = i; j < i + 4 && j <= PER_SOURCE_KIND; j++) batch.push(get(agent, port, path, headers(j)));
      for (const status of await Promise.all(batch)) assert.equal(status, 200);
    }
    grown.push(`${path}: ${(rssMb(pid) - idle).toFixed(1)} MB`);
  }
  await new Promise((r) => setTimeout(r, 500));
  const total = rssMb(pid) - idle;
  t.diagnostic(`RSS over idle after each kind's ${PER_SOURCE_KIND} requests: ${grown.join(', ')}; ${total.toFixed(1)} MB at the end`);
  assert.ok(total < 150, `RSS grew by ${total.toFixed(1)} MB (${grown.join(', ')}): buckets hold their sources' header lines`);
});
