import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { EdgeProxy, type BuildInput } from '../../../proxy/index.js';
import type { ApiInput } from '../../../proxy/runtime/build-input.js';
import type { UdpSection } from '../../../proxy/udp/udp-section.js';
import { buildInput, entryPointOptions } from '../../support/proxy-fixture.js';

const api: ApiInput = {
  insecure: true,
  version: '9.9.9',
  startDate: '2024-01-01T00:00:00.000Z',
  entryPoints: {},
  features: { tracing: '', metrics: '', accessLog: false },
  providers: ['File'],
};

const udp: UdpSection = {
  routers: {
    'dns@file': { entryPoints: ['dns'], service: 'dns' },
    'broken@file': { entryPoints: ['dns'], service: 'missing' },
    'nowhere@file': { entryPoints: ['web'], service: 'dns' },
    'anywhere@docker': { service: 'dns@file' },
  },
  services: {
    'dns@file': { loadBalancer: { servers: [{ address: '127.0.0.1:5353' }] } },
    'split@file': { weighted: { services: [{ name: 'dns', weight: 3 }, { name: 'absent', weight: 1 }] } },
  },
};

async function traefikApi(t: TestContext, extra: Partial<BuildInput> = {}): Promise<string> {
  const input: BuildInput = {
    ...buildInput({ entryPoints: { traefik: { address: '127.0.0.1:0' }, web: { address: '127.0.0.1:0' }, dns: { address: '127.0.0.1:0/udp' } } }),
    api,
    udp,
    ...extra,
  };
  const proxy = new EdgeProxy([entryPointOptions('traefik'), entryPointOptions('web'), entryPointOptions('dns', '127.0.0.1:0/udp')], input);
  await proxy.listen();
  t.after(() => proxy.close(0));
  return `http://127.0.0.1:${proxy.port('traefik')}/api`;
}

async function json(url: string): Promise<unknown> {
  const res = await fetch(url);
  assert.equal(res.status, 200, `${url}: ${res.status}`);
  return res.json();
}

test('/api/udp/routers/{name}: a router naming an unknown service is disabled with Traefik\'s error', async (t) => {
  const base = await traefikApi(t);
  assert.deepEqual(await json(`${base}/udp/routers/broken%40file`), {
    entryPoints: ['dns'],
    service: 'missing',
    error: ['the UDP service "missing@file" does not exist'],
    status: 'disabled',
    using: ['dns'],
    name: 'broken@file',
    provider: 'file',
  });
});

test('/api/udp/routers: every router with its status; a TCP entrypoint does not exist for a UDP router; no entryPoints means every UDP one', async (t) => {
  const base = await traefikApi(t);
  const routers = await json(`${base}/udp/routers`) as Record<string, unknown>[];
  assert.deepEqual(routers.map((r) => [r.name, r.status, r.using ?? null, r.error ?? null]), [
    ['anywhere@docker', 'enabled', ['dns'], null],
    ['broken@file', 'disabled', ['dns'], ['the UDP service "missing@file" does not exist']],
    ['dns@file', 'enabled', ['dns'], null],
    ['nowhere@file', 'disabled', null, ['entryPoint "web" doesn\'t exist', 'no valid entryPoint for this router']],
  ]);
  const disabled = await json(`${base}/udp/routers?status=disabled&search=now`) as { name: string }[];
  assert.deepEqual(disabled.map((r) => r.name), ['nowhere@file']);
  const byService = await json(`${base}/udp/routers?serviceName=missing@file`) as { name: string }[];
  assert.deepEqual(byService.map((r) => r.name), ['broken@file']);
});

test('/api/udp/services: Traefik\'s shape (type, usedBy); a weighted service whose child is missing stays enabled, as in Traefik', async (t) => {
  const base = await traefikApi(t);
  assert.deepEqual(await json(`${base}/udp/services/dns%40file`), {
    loadBalancer: { servers: [{ address: '127.0.0.1:5353' }] },
    status: 'enabled',
    usedBy: ['anywhere@docker', 'dns@file', 'nowhere@file'],
    provider: 'file',
    type: 'loadbalancer',
    name: 'dns@file',
  });
  const services = await json(`${base}/udp/services`) as Record<string, unknown>[];
  assert.deepEqual(services.map((s) => [s.name, s.type, s.status]), [['dns@file', 'loadbalancer', 'enabled'], ['split@file', 'weighted', 'enabled']]);
  const missing = await fetch(`${base}/udp/services/nope@file`);
  assert.equal(missing.status, 404);
  assert.equal(await missing.text(), '{"message":"service not found: nope@file"}\n');
  assert.equal((await fetch(`${base}/udp/middlewares`)).status, 404);
});

test('/api/overview counts UDP routers and services; /api/rawdata has udpRouters and udpServices', async (t) => {
  const base = await traefikApi(t);
  const overview = await json(`${base}/overview`) as { udp: unknown };
  assert.deepEqual(overview.udp, { routers: { total: 4, warnings: 0, errors: 2 }, services: { total: 2, warnings: 0, errors: 0 } });
  const raw = await json(`${base}/rawdata`) as Record<string, Record<string, Record<string, unknown>>>;
  assert.deepEqual(raw.udpRouters?.['dns@file'], { entryPoints: ['dns'], service: 'dns', status: 'enabled', using: ['dns'] });
  assert.deepEqual(raw.udpServices?.['split@file'], { weighted: { services: [{ name: 'dns', weight: 3 }, { name: 'absent', weight: 1 }] }, status: 'enabled' });
  const empty = await traefikApi(t, { udp: { routers: {}, services: {} } });
  const none = await json(`${empty}/rawdata`) as Record<string, unknown>;
  assert.equal('udpRouters' in none || 'udpServices' in none, false);
});

test('HTTP routers never attach to a UDP entrypoint: not by default, and naming one is Traefik\'s "doesn\'t exist"', async (t) => {
  const base = await traefikApi(t, {
    http: {
      routers: { 'all@file': { rule: 'Path(`/`)', service: 's' }, 'dns-http@file': { rule: 'Path(`/`)', service: 's', entryPoints: ['dns'] } },
      services: { 's@file': { loadBalancer: { servers: [{ url: 'http://127.0.0.1:9' }] } } },
      middlewares: {},
      serversTransports: {},
    },
  });
  const all = await json(`${base}/http/routers/all@file`) as { using: string[] };
  assert.deepEqual(all.using, ['web']);
  const dns = await json(`${base}/http/routers/dns-http@file`) as { status: string; error: string[] };
  assert.equal(dns.status, 'disabled');
  assert.deepEqual(dns.error, ['entryPoint "dns" doesn\'t exist', 'no valid entryPoint for this router']);
});
