// A flood of distinct X-Forwarded-For values through the real CLI: ipAllowList keeps the verdict of each address
// text it checks (proxy/http/address-verdicts.ts), up to 4,096 of them per list. An address cut from a long header
// line is, to V8, a window on that line (a sliced string): kept as it came, each kept address held its whole line
// alive, up to http.maxHeaderBytes (1 MiB) each, gigabytes for a full memo.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { freePort } from '../../support/cli-process.js';
import { appServiceYaml, rssMb, startLongHeadBackend, startMeasuredEdge, webStaticYaml } from '../../support/head-memory.js';

const PER_STRATEGY = 1500;
// 100 kB of addresses before the one each strategy picks.
const PADDING = '9.9.9.9,'.repeat(12_500);


function get(agent: http.Agent, port: number, path: string, xff: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent, headers: { 'x-forwarded-for': xff } }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    }).once('error', reject);
  });
}

test(`ipAllowList: ${PER_STRATEGY} distinct X-Forwarded-For addresses at the end of 100 kB lines, through ipStrategy.depth and excludedIPs each, leave RSS within 150 MB`, { timeout: 180_000 }, async (t) => {
  const backend = await startLongHeadBackend(t);
  const port = await freePort();
  const pid = await startMeasuredEdge(t, [
    'http:',
    appServiceYaml(backend),
    '  middlewares:',
    '    depth: { ipAllowList: { sourceRange: ["2001:db8::/32"], ipStrategy: { depth: 1 } } }',
    '    excluded: { ipAllowList: { sourceRange: ["2001:db8::/32"], ipStrategy: { excludedIPs: ["192.168.0.0/16"] } } }',
    '  routers:',
    '    depth: { rule: "PathPrefix(`/depth`)", entryPoints: [web], service: app, middlewares: [depth] }',
    '    excluded: { rule: "PathPrefix(`/excluded`)", entryPoints: [web], service: app, middlewares: [excluded] }',
  ].join('\n'), webStaticYaml(port, true));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  t.after(() => agent.destroy());
  // 2001:db8::<4 hex digits> is 14 characters: V8 copies a cut of 12 or fewer, and slices a longer one.
  const address = (i: number): string => `2001:db8::${(0x1000 + i).toString(16)}`;
  for (const path of ['/depth', '/excluded']) {
    assert.equal(await get(agent, port, path, `${PADDING} ${address(0)}`), 200, `${path}: inside sourceRange`);
    assert.equal(await get(agent, port, path, `${PADDING} 10.0.0.1`), 403, `${path}: outside sourceRange`);
  }
  await new Promise((r) => setTimeout(r, 300));
  const idle = rssMb(pid);
  const grown: string[] = [];
  for (const path of ['/depth', '/excluded']) {
    for (let i = 1; i <= PER_STRATEGY; i += 4) {
      const batch: Promise<number>[] = [];
      for (let j = i; j < i + 4 && j <= PER_STRATEGY; j++) batch.push(get(agent, port, path, `${PADDING} ${address(j)}`));
      for (const status of await Promise.all(batch)) assert.equal(status, 200);
    }
    grown.push(`${path}: ${(rssMb(pid) - idle).toFixed(1)} MB`);
  }
  await new Promise((r) => setTimeout(r, 500));
  const total = rssMb(pid) - idle;
  t.diagnostic(`RSS over idle after each strategy's ${PER_STRATEGY} requests: ${grown.join(', ')}; ${total.toFixed(1)} MB at the end`);
  assert.ok(total < 150, `RSS grew by ${total.toFixed(1)} MB (${grown.join(', ')}): kept addresses hold their header lines`);
});
