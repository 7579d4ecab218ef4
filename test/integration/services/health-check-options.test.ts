// healthCheck.method, status, followRedirects, unhealthyInterval, scheme, port, hostname, headers, timeout, and the
// first probe at once (Traefik waits an interval).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { generateSelfSignedCertificate } from '../../../proxy/tls/self-signed-certificate.js';
import { startBackend } from '../../support/backends.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import { DEFAULT_TRANSPORT, type UpstreamTransport } from '../../../proxy/index.js';
import { validateDynamicConfig } from '../../../labels-spec/index.js';

const input = (servers: string[], healthCheck: { interval: number; timeout: number; [option: string]: unknown }, transport: UpstreamTransport = DEFAULT_TRANSPORT) => buildInput({
  defaultTransport: transport,
  http: {
    routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 'web' } },
    services: { 'web@file': { loadBalancer: { servers: servers.map((url) => ({ url })), healthCheck } } },
  },
});

test('unhealthyInterval: a DOWN server is probed on its own interval and comes back long before `interval`', async (t) => {
  let healthy = false;
  const a = await startBackend('a', (req, res) => {
    if (req.url === '/health') { res.writeHead(healthy ? 200 : 503); res.end(); return; }
    res.end('a');
  });
  const b = await startBackend('b');
  const proxy = await startProxy(input([a.url, b.url], { path: '/health', interval: 60_000, unhealthyInterval: 100, timeout: 500 }));
  t.after(async () => { await proxy.close(0); await a.close(); await b.close(); });
  const url = `http://127.0.0.1:${proxy.port('web')}/`;
  // The first probes run at once; on a loaded machine they (and their 500 ms timeout) may take a while, so wait for them.
  const answers = async (): Promise<string[]> => Promise.all([0, 1, 2, 3].map(async () => (await request(url)).body.text()));
  await sleep(150);
  let down = await answers();
  for (let waited = 0; waited < 3000 && down.some((d) => d !== 'b'); waited += 100) {
    await sleep(100);
    down = await answers();
  }
  assert.deepEqual(down, ['b', 'b', 'b', 'b'], 'the first probe ran at once and found a DOWN');
  healthy = true;
  await sleep(300);
  const up: string[] = [];
  for (let i = 0; i < 4; i++) up.push(await (await request(url)).body.text());
  assert.ok(up.includes('a'), `a is back within unhealthyInterval: ${up.join(' ')}`);
});

test('method, status and followRedirects decide what a probe accepts', async (t) => {
  // `a` is healthy only to a HEAD answered 204; `b` redirects its probe to a page that answers 204.
  const a = await startBackend('a', (req, res) => {
    if (req.url === '/health') { res.writeHead(req.method === 'HEAD' ? 204 : 500); res.end(); return; }
    res.end('a');
  });
  const b = await startBackend('b', (req, res) => {
    if (req.url === '/health') { res.writeHead(302, { location: '/ok' }); res.end(); return; }
    if (req.url === '/ok') { res.writeHead(204); res.end(); return; }
    res.end('b');
  });
  const c = await startBackend('c');
  const urls = [a.url, b.url, c.url];
  const cases = [
    { options: { method: 'HEAD', status: 204 }, serving: ['a', 'b'] },
    { options: { method: 'HEAD', status: 204, followRedirects: false }, serving: ['a'] },
    { options: { status: 204 }, serving: ['b'] },
  ];
  for (const { options, serving } of cases) {
    const proxy = await startProxy(input(urls, { path: '/health', interval: 60_000, timeout: 500, ...options }));
    try {
      await sleep(150);
      const url = `http://127.0.0.1:${proxy.port('web')}/`;
      const seen = new Set<string>();
      for (let i = 0; i < 6; i++) seen.add(await (await request(url)).body.text());
      // `c` answers 404 on /health: never equal to `status`.
      assert.deepEqual([...seen].sort(), serving, JSON.stringify(options));
    } finally {
      await proxy.close(0);
    }
  }
  t.after(async () => { await a.close(); await b.close(); await c.close(); });
});

test('a server that appears in a reload is probed at once, not after an interval', async (t) => {
  let probes = 0;
  const a = await startBackend('a');
  const b = await startBackend('b', (req, res) => {
    if (req.url === '/health') { probes++; res.writeHead(500); res.end(); return; }
    res.end('b');
  });
  const proxy = await startProxy(input([a.url], { path: '/', interval: 60_000, timeout: 500 }));
  t.after(async () => { await proxy.close(0); await a.close(); await b.close(); });
  await sleep(100);
  proxy.apply(input([a.url, b.url], { path: '/health', interval: 60_000, timeout: 500 }));
  await sleep(150);
  assert.equal(probes, 1);
  const url = `http://127.0.0.1:${proxy.port('web')}/`;
  for (let i = 0; i < 4; i++) assert.equal(await (await request(url)).body.text(), 'a');
});

test('hostname and headers: the probe carries the Host and the headers asked for', async (t) => {
  const probes: { host: string | undefined; probe: string | string[] | undefined }[] = [];
  const a = await startBackend('a', (req, res) => {
    if (req.url === '/health') probes.push({ host: req.headers.host, probe: req.headers['x-probe'] });
    res.end('a');
  });
  const proxy = await startProxy(input([a.url], { path: '/health', interval: 60_000, timeout: 500, hostname: 'probe.test', headers: { 'X-Probe': 'from-pe-edge' } }));
  t.after(async () => { await proxy.close(0); await a.close(); });
  await sleep(150);
  assert.deepEqual(probes, [{ host: 'probe.test', probe: 'from-pe-edge' }], 'without them the Host would be the server\'s host:port');
});

test('scheme and port: the probe goes to the port and over the scheme asked for, not to the server URL', async (t) => {
  const now = Date.now();
  const { cert, key } = generateSelfSignedCertificate({ commonName: 'probe.test', dnsNames: ['probe.test'], notBefore: new Date(now - 60_000), notAfter: new Date(now + 86_400_000) });
  const probes: string[] = [];
  const prober = https.createServer({ cert, key }, (req, res) => { probes.push(req.url ?? ''); res.end(); });
  await new Promise<void>((resolve) => prober.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => { prober.closeAllConnections(); prober.close(() => resolve()); }));
  // The server itself answers 500 on /health: probed there (port ignored) or over plain HTTP (scheme ignored), it is DOWN.
  const a = await startBackend('a', (req, res) => {
    if (req.url === '/health') { res.writeHead(500); res.end(); return; }
    res.end('a');
  });
  const port = (prober.address() as AddressInfo).port;
  const proxy = await startProxy(input([a.url], { path: '/health', interval: 60_000, timeout: 500, scheme: 'https', port }, { ...DEFAULT_TRANSPORT, rootCAs: [cert], serverName: 'probe.test' }));
  t.after(async () => { await proxy.close(0); await a.close(); });
  await sleep(200);
  assert.deepEqual(probes, ['/health'], 'a TLS-only server: a plain HTTP probe never becomes a request');
  assert.ok(!a.seen.some((s) => s.url === '/health'), 'the server URL\'s port was not probed');
  const res = await request(`http://127.0.0.1:${proxy.port('web')}/`);
  assert.equal(`${res.statusCode} ${await res.body.text()}`, '200 a', 'UP through the probe port');
});

test('probes verify the server certificate as the service\'s serversTransport says (Traefik probes through it)', async (t) => {
  const now = Date.now();
  const { cert, key } = generateSelfSignedCertificate({ commonName: 'backend.test', dnsNames: ['backend.test'], notBefore: new Date(now - 60_000), notAfter: new Date(now + 86_400_000) });
  const server = https.createServer({ cert, key }, (req, res) => res.end(req.url === '/health' ? 'ok' : 'tls'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const check = { path: '/health', interval: 60_000, timeout: 1_000 };
  const cases: [string, UpstreamTransport, string][] = [
    ['default transport, untrusted certificate', DEFAULT_TRANSPORT, '503'],
    ['rootCAs holding the certificate, but the name is not the server URL\'s', { ...DEFAULT_TRANSPORT, rootCAs: [cert] }, '503'],
    ['rootCAs holding the certificate and serverName naming it', { ...DEFAULT_TRANSPORT, rootCAs: [cert], serverName: 'backend.test' }, '200 tls'],
    ['insecureSkipVerify', { ...DEFAULT_TRANSPORT, insecureSkipVerify: true }, '200 tls'],
  ];
  for (const [what, transport, expected] of cases) {
    const proxy = await startProxy(input([url], check, transport));
    try {
      await sleep(300);
      const res = await request(`http://127.0.0.1:${proxy.port('web')}/`);
      const body = await res.body.text();
      assert.equal(res.statusCode === 503 ? '503' : `${res.statusCode} ${body}`, expected, what);
    } finally {
      await proxy.close(0);
    }
  }
});

test('timeout: a probe answered later than `timeout` marks the server DOWN; a longer timeout waits for it', async (t) => {
  const slow = await startBackend('slow', (req, res) => {
    if (req.url === '/health') { setTimeout(() => res.end(), 400); return; }
    res.end('slow');
  });
  const fast = await startBackend('fast');
  t.after(async () => { slow.server.closeAllConnections(); await slow.close(); await fast.close(); });
  for (const [timeout, serving] of [[100, ['fast']], [2_000, ['fast', 'slow']]] as const) {
    const proxy = await startProxy(input([slow.url, fast.url], { path: '/health', interval: 60_000, timeout }));
    try {
      await sleep(700);
      const seen = new Set<string>();
      for (let i = 0; i < 6; i++) seen.add(await (await request(`http://127.0.0.1:${proxy.port('web')}/`)).body.text());
      assert.deepEqual([...seen].sort(), serving, `timeout ${timeout}`);
    } finally {
      await proxy.close(0);
    }
  }
});

test('durations longer than a node timer holds (30 days) wait, never fire at once: a health check interval, a transport\'s timeouts', async (t) => {
  const THIRTY_DAYS = 30 * 24 * 3600 * 1000;
  let probes = 0;
  const a = await startBackend('a', (req, res) => {
    if (req.url === '/health') probes++;
    // An answer that takes a moment: a responseHeaderTimeout that fired at once would answer 504.
    setTimeout(() => res.end('a'), 50);
  });
  const transport: UpstreamTransport = { ...DEFAULT_TRANSPORT, dialTimeout: THIRTY_DAYS, responseHeaderTimeout: THIRTY_DAYS, idleConnTimeout: THIRTY_DAYS };
  const proxy = await startProxy(input([a.url], { path: '/health', interval: THIRTY_DAYS, timeout: THIRTY_DAYS }, transport));
  t.after(async () => { await proxy.close(0); await a.close(); });
  await sleep(400);
  // Node runs a longer timer after 1 ms: the interval then probed about every millisecond.
  assert.ok(probes <= 1, `${probes} probes in 400 ms with a 30-day interval`);
  const res = await request(`http://127.0.0.1:${proxy.port('web')}/`);
  assert.equal(res.statusCode, 200);
  assert.equal(await res.body.text(), 'a');
});

test('unhealthyInterval 0 or negative takes Traefik\'s default (30s): a DOWN server is not probed again at once, over and over', async (t) => {
  let probes = 0;
  const a = await startBackend('a', (req, res) => {
    if (req.url === '/health') { probes++; res.writeHead(503); res.end(); return; }
    res.end('a');
  });
  t.after(() => a.close());
  for (const unhealthyInterval of ['0s', '-1s']) {
    // As the file provider gives it: validated, defaults filled in.
    const { config, issues } = validateDynamicConfig({ http: { services: { web: { loadBalancer: { servers: [{ url: a.url }], healthCheck: { path: '/health', interval: '60s', unhealthyInterval } } } } } });
    assert.deepEqual(issues.filter((i) => i.severity === 'error'), []);
    probes = 0;
    const proxy = await startProxy(buildInput({
      http: { routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 'web' } }, services: { 'web@file': config.http.services.web as never } },
    }));
    await sleep(400);
    await proxy.close(0);
    assert.equal(probes, 1, `unhealthyInterval ${unhealthyInterval}: ${probes} probes in 400 ms`);
  }
});
