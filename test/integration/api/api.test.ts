import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import type { ApiInput, BuildInput } from '../../../proxy/runtime/build-input.js';
import { validateDynamicConfig } from '../../../labels-spec/index.js';
import { startBackend } from '../../support/backends.js';
import { httpsRequest } from '../../support/tls-clients.js';

const api = (insecure: boolean): ApiInput => ({
  insecure,
  version: '9.9.9',
  startDate: '2024-01-01T00:00:00.000Z',
  entryPoints: { web: { address: '127.0.0.1:0' }, traefik: { address: '127.0.0.1:0' } },
  features: { tracing: '', metrics: '', accessLog: false },
  providers: ['Docker'],
});

const servers = [{ url: 'http://127.0.0.1:9' }];

function input(extra: Partial<BuildInput['http']> = {}, insecure = true): BuildInput {
  return {
    ...buildInput({
      entryPoints: { web: { address: '127.0.0.1:0' }, traefik: { address: '127.0.0.1:0' } },
      http: {
        routers: {
          'whoami-demo@docker': { rule: 'Host(`whoami.test`)', service: 'whoami@docker', entryPoints: ['web'] },
          'broken@docker': { rule: 'Host(`b.test`)', service: 'missing@docker', entryPoints: ['web'] },
          ...extra.routers,
        },
        services: { 'whoami@docker': { loadBalancer: { servers } }, 'other@docker': { loadBalancer: { servers } }, ...extra.services },
        middlewares: { ...extra.middlewares },
      },
    }),
    api: api(insecure),
  };
}

async function started(t: TestContext, i: BuildInput): Promise<{ web: string; traefik: string }> {
  const proxy = await startProxy(i);
  t.after(() => proxy.close(0));
  return { web: `http://127.0.0.1:${proxy.port('web')}`, traefik: `http://127.0.0.1:${proxy.port('traefik')}` };
}

test('api.insecure: router by name with name, provider, status, using, priority', async (t) => {
  const { traefik } = await started(t, input());
  const res = await fetch(`${traefik}/api/http/routers/whoami-demo%40docker`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/json');
  const text = await res.text();
  assert.ok(text.endsWith('}\n'));
  const body = JSON.parse(text) as Record<string, unknown>;
  assert.equal(body.name, 'whoami-demo@docker');
  assert.equal(body.provider, 'docker');
  assert.equal(body.status, 'enabled');
  assert.deepEqual(body.using, ['web']);
  assert.equal(body.priority, 'Host(`whoami.test`)'.length);
  assert.equal(body.service, 'whoami@docker');
});

test('unknown router: 404 with Traefik\'s message, text/plain', async (t) => {
  const { traefik } = await started(t, input());
  const res = await fetch(`${traefik}/api/http/routers/nope@docker`);
  assert.equal(res.status, 404);
  assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
  assert.equal(await res.text(), '{"message":"router not found: nope@docker"}\n');
  const ep = await fetch(`${traefik}/api/entrypoints/nope`);
  assert.equal(await ep.text(), '{"message":"entry point not found: nope"}\n');
});

test('a disabled router shows status disabled with its error', async (t) => {
  const { traefik } = await started(t, input());
  const body = await (await fetch(`${traefik}/api/http/routers/broken@docker`)).json() as Record<string, unknown>;
  assert.equal(body.status, 'disabled');
  assert.deepEqual(body.error, ['the service "missing@docker" does not exist']);
  const disabled = await (await fetch(`${traefik}/api/http/routers?status=DISABLED`)).json() as { name: string }[];
  assert.deepEqual(disabled.map((r) => r.name), ['broken@docker']);
});

test('a typo\'d middleware name disables the router with Traefik\'s error and lists no middleware of that name', async (t) => {
  const { traefik } = await started(t, input({
    routers: { 'typo@docker': { rule: 'Host(`t.test`)', service: 'whoami@docker', entryPoints: ['web'], middlewares: ['autth'] } },
    middlewares: { 'auth@docker': { basicAuth: { users: ['u:{SHA}x'] } } },
  }));
  const router = await (await fetch(`${traefik}/api/http/routers/typo@docker`)).json() as Record<string, unknown>;
  assert.equal(router.status, 'disabled');
  assert.deepEqual(router.error, ['middleware "autth@docker" does not exist; did you mean "auth@docker"?']);
  const middlewares = await (await fetch(`${traefik}/api/http/middlewares`)).json() as { name: string; status: string }[];
  assert.deepEqual(middlewares.map((m) => `${m.name} ${m.status}`), ['auth@docker enabled']);
  assert.equal((await fetch(`${traefik}/api/http/middlewares/autth@docker`)).status, 404);
  const raw = await (await fetch(`${traefik}/api/rawdata`)).json() as { middlewares: Record<string, unknown> };
  assert.deepEqual(Object.keys(raw.middlewares), ['auth@docker']);
  const overview = await (await fetch(`${traefik}/api/overview`)).json() as { http: { middlewares: { total: number } } };
  assert.equal(overview.http.middlewares.total, 1);
});

test('pagination: per_page=1 gives X-Next-Page 2 then 1; page 3 is a 400', async (t) => {
  const { traefik } = await started(t, input());
  const p1 = await fetch(`${traefik}/api/http/services?per_page=1&page=1`);
  assert.equal(p1.headers.get('x-next-page'), '2');
  const items = await p1.json() as { name: string; serverStatus: Record<string, string>; type: string }[];
  assert.deepEqual(items.map((s) => s.name), ['other@docker']);
  assert.deepEqual(items[0]?.serverStatus, { 'http://127.0.0.1:9': 'UP' });
  assert.equal(items[0]?.type, 'loadbalancer');
  const p2 = await fetch(`${traefik}/api/http/services?per_page=1&page=2`);
  assert.equal(p2.headers.get('x-next-page'), '1');
  assert.deepEqual((await p2.json() as { name: string }[]).map((s) => s.name), ['whoami@docker']);
  const p3 = await fetch(`${traefik}/api/http/services?per_page=1&page=3`);
  assert.equal(p3.status, 400);
  assert.equal(await p3.text(), '{"message":"invalid request: page: 3, per_page: 1"}\n');
});

test('list filters and sort: search, serviceName, direction', async (t) => {
  const { traefik } = await started(t, input());
  const get = async (q: string) => (await (await fetch(`${traefik}/api/http/routers?${q}`)).json() as { name: string }[]).map((r) => r.name);
  assert.deepEqual(await get('search=WHOAMI'), ['whoami-demo@docker']);
  assert.deepEqual(await get('serviceName=whoami@docker'), ['whoami-demo@docker']);
  assert.deepEqual(await get('direction=desc'), ['whoami-demo@docker', 'broken@docker']);
});

test('rawdata, version, overview, entrypoints; GET only', async (t) => {
  const { traefik } = await started(t, input());
  const raw = await (await fetch(`${traefik}/api/rawdata`)).json() as Record<string, Record<string, Record<string, unknown>>>;
  assert.deepEqual(Object.keys(raw).sort(), ['routers', 'services']);
  assert.equal(raw.routers?.['whoami-demo@docker']?.provider, undefined, 'rawdata items carry no provider');
  assert.deepEqual(raw.services?.['whoami@docker']?.usedBy, ['whoami-demo@docker']);
  assert.deepEqual(await (await fetch(`${traefik}/api/version`)).json(), { Version: '9.9.9', Codename: 'pe-edge', startDate: '2024-01-01T00:00:00.000Z' });
  const overview = await (await fetch(`${traefik}/api/overview`)).json() as { http: { routers: unknown } };
  assert.deepEqual(overview.http.routers, { total: 2, warnings: 0, errors: 1 });
  const eps = await (await fetch(`${traefik}/api/entrypoints`)).json() as { name: string }[];
  assert.deepEqual(eps.map((e) => e.name), ['traefik', 'web']);
  assert.equal((await fetch(`${traefik}/api/version`, { method: 'POST' })).status, 405);
  assert.equal((await fetch(`${traefik}/api/nothing`)).status, 404);
});

test('a router naming a certificate resolver that does not exist: served with the default certificate, status warning saying so', async (t) => {
  const backend = await startBackend('shop');
  t.after(() => backend.close());
  const i: BuildInput = {
    ...input({
      routers: { 'shop@docker': { rule: 'Host(`shop.test`)', service: 'shop@docker', entryPoints: ['web'], tls: { certResolver: 'lee' } } },
      services: { 'shop@docker': { loadBalancer: { servers: [{ url: backend.url }] } } },
    }),
    certificateResolvers: new Set(['le', 'staging']),
  };
  const proxy = await startProxy(i);
  t.after(() => proxy.close(0));
  const served = await httpsRequest({ port: proxy.port('web'), host: 'shop.test' });
  assert.equal(served.status, 200, 'Traefik keeps serving the router');
  assert.equal(served.body, 'shop');
  assert.equal(served.certCN, 'TRAEFIK DEFAULT CERT');
  const traefik = `http://127.0.0.1:${proxy.port('traefik')}`;
  const router = await (await fetch(`${traefik}/api/http/routers/shop@docker`)).json() as { status: string; error?: string[] };
  assert.equal(router.status, 'warning');
  assert.deepEqual(router.error, ['Router uses a nonexistent certificate resolver: "lee"; did you mean "le"? (running resolvers: le, staging); served without it: the TLS store\'s certificates, else the default one']);
  const overview = await (await fetch(`${traefik}/api/overview`)).json() as { http: { routers: unknown } };
  assert.deepEqual(overview.http.routers, { total: 3, warnings: 1, errors: 1 });
});

test('secure mode: a user router to api@internal behind basicAuth', async (t) => {
  const i = input({
    routers: { 'dashboard@docker': { rule: 'PathPrefix(`/api`)', service: 'api@internal', middlewares: ['auth'], entryPoints: ['web'] } },
    middlewares: { 'auth@docker': validateDynamicConfig({ http: { middlewares: { auth: { basicAuth: { users: ['test:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/'] } } } } }).config.http.middlewares.auth as Record<string, unknown> },
  }, false);
  const { web, traefik } = await started(t, i);
  const denied = await fetch(`${web}/api/version`);
  assert.equal(denied.status, 401);
  const ok = await fetch(`${web}/api/http/routers/dashboard@docker`, { headers: { authorization: `Basic ${Buffer.from('test:test').toString('base64')}` } });
  assert.equal(ok.status, 200);
  assert.equal((await ok.json() as { status: string }).status, 'enabled');
  assert.equal((await fetch(`${traefik}/api/version`)).status, 404, 'no insecure router');
});
