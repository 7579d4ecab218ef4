// metrics.prometheus.headerLabels makes one requests series per value of the named request headers, kept until its
// router or service goes (as Traefik keeps them). A header value is, to V8, a window on the request's whole head (a
// sliced string): kept as it came, a series labelled by a 20-character value would hold a head of up to
// http.maxHeaderBytes (1 MiB) alive, where Traefik keeps the 20 characters. A new series keeps copies of its key and
// label values (metric-series.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { freePort } from '../../support/cli-process.js';
import { routeAllYaml, rssMb, startLongHeadBackend, startMeasuredEdge } from '../../support/head-memory.js';

const TENANTS = 1000;
// 200 kB of one header the client adds to each request: no label names it.
const PADDING = 'p'.repeat(200_000);


function get(agent: http.Agent | undefined, port: number, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent, headers }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (d: string) => (body += d));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).once('error', reject);
  });
}

test(`metrics headerLabels: ${TENANTS} tenants' series, each first met in a request with a 200 kB header, leave RSS within 100 MB; the series are labelled by the values sent`, { timeout: 180_000 }, async (t) => {
  const backend = await startLongHeadBackend(t);
  const [port, metricsPort] = [await freePort(), await freePort()];
  const pid = await startMeasuredEdge(t, routeAllYaml(backend), (dynamicFile) => [
    'entryPoints:',
    `  web: { address: "127.0.0.1:${port}" }`,
    `  metrics: { address: "127.0.0.1:${metricsPort}" }`,
    'providers:',
    `  file: { filename: ${JSON.stringify(dynamicFile)} }`,
    'metrics:',
    '  prometheus: { entryPoint: metrics, headerLabels: { tenant: X-Tenant } }',
    'log: { level: INFO, format: json }',
    '',
  ].join('\n'), 2);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  t.after(() => agent.destroy());

  assert.equal((await get(agent, port, '/', { 'x-tenant': 'warm-up-tenant-name', 'x-pad': PADDING })).status, 200);
  await new Promise((r) => setTimeout(r, 300));
  const idle = rssMb(pid);
  // A value of 13 characters or more is sliced from the head by V8, a shorter one copied.
  const tenant = (i: number): string => `tenant-${String(i).padStart(8, '0')}`;
  for (let i = 1; i <= TENANTS; i += 4) {
    const batch: Promise<{ status: number }>[] = [];
    for (let j = i; j < i + 4 && j <= TENANTS; j++) batch.push(get(agent, port, '/', { 'x-tenant': tenant(j), 'x-pad': PADDING }));
    for (const { status } of await Promise.all(batch)) assert.equal(status, 200);
  }
  await new Promise((r) => setTimeout(r, 500));
  const grown = rssMb(pid) - idle;
  t.diagnostic(`RSS over idle after ${TENANTS} tenants' series: ${grown.toFixed(1)} MB`);

  // What a user sees is unchanged: a series per tenant, labelled by the value as sent.
  const { status, body } = await get(undefined, metricsPort, '/metrics', {});
  assert.equal(status, 200);
  const series = body.split('\n').filter((line) => line.startsWith('traefik_service_requests_total{') && line.includes('tenant="tenant-'));
  assert.equal(series.length, TENANTS, 'one series per tenant');
  assert.ok(series.some((line) => line.includes(`tenant="${tenant(TENANTS)}"`) && line.endsWith(' 1')), series.at(-1));
  assert.ok(grown < 100, `RSS grew by ${grown.toFixed(1)} MB: the series hold their requests' heads`);
});
