import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateDynamicConfig } from '../../../labels-spec/index.js';
import { startBackend } from '../../support/backends.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import { startRawBackend } from '../../support/raw-backend.js';
import { httpRequest } from '../../support/tls-clients.js';

// Hop-by-hop headers as Traefik treats them: a client's Connection header is applied once, at the
// entrypoint, before routing and middlewares; a response loses Go's hop headers and what its own
// Connection header lists (httputil.ReverseProxy's removeHopByHopHeaders).

const SEED_USER = 'test:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/';

async function proxyTo(t: { after: (fn: () => Promise<void>) => void }, url: string, rule = 'PathPrefix(`/`)', middlewares: Record<string, unknown> = {}) {
  const { config } = validateDynamicConfig({ http: { middlewares } });
  const validated = Object.fromEntries(Object.entries(config.http.middlewares as Record<string, unknown>).map(([k, v]) => [`${k}@file`, v])) as Record<string, Record<string, unknown>>;
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'r@file': { rule, service: 's', middlewares: Object.keys(middlewares) } },
      services: { 's@file': { loadBalancer: { servers: [{ url }] } } },
      middlewares: validated,
    },
  }));
  t.after(() => proxy.close(0));
  return proxy.port('web');
}

test('a response loses Proxy-Authenticate and the headers its Connection header lists, as Go\'s ReverseProxy drops them', async (t) => {
  const backend = await startRawBackend((socket) => {
    socket.write('HTTP/1.1 200 OK\r\nConnection: X-Internal, keep-alive\r\nX-Internal: secret\r\nProxy-Authenticate: Basic realm="inner"\r\nX-App: kept\r\nContent-Length: 2\r\n\r\nok');
  });
  t.after(() => backend.close());
  const port = await proxyTo(t, backend.url);
  const res = await httpRequest({ port });
  assert.equal(res.status, 200);
  assert.equal(res.body, 'ok');
  assert.equal(res.headers['x-app'], 'kept');
  assert.equal(res.headers['x-internal'], undefined);
  assert.equal(res.headers['proxy-authenticate'], undefined);
});

test('a client listing X-WebAuth-User in Connection cannot remove the value a headers middleware sets', async (t) => {
  const app = await startBackend('app');
  t.after(() => app.close());
  const port = await proxyTo(t, app.url, 'PathPrefix(`/`)', { who: { headers: { customRequestHeaders: { 'X-WebAuth-User': 'admin' } } } });
  const res = await httpRequest({ port, headers: { connection: 'X-WebAuth-User', 'x-webauth-user': 'forged', 'x-other': 'o' } });
  assert.equal(res.status, 200);
  assert.equal(app.seen[0]?.headers['x-webauth-user'], 'admin');
  assert.equal(app.seen[0]?.headers['x-other'], 'o');
});

test('a client listing the basicAuth headerField in Connection still gets the authenticated user sent upstream', async (t) => {
  const app = await startBackend('app');
  t.after(() => app.close());
  const port = await proxyTo(t, app.url, 'PathPrefix(`/`)', { auth: { basicAuth: { users: [SEED_USER], headerField: 'X-WebAuth-User' } } });
  const authorization = 'Basic ' + Buffer.from('test:test').toString('base64');
  const res = await httpRequest({ port, headers: { authorization, connection: 'X-WebAuth-User, X-Drop', 'x-drop': 'gone' } });
  assert.equal(res.status, 200);
  assert.equal(app.seen[0]?.headers['x-webauth-user'], 'test');
  assert.equal(app.seen[0]?.headers['x-drop'], undefined, 'what the client listed is still dropped');
});

test('a header the client lists in Connection is gone before routing: a Header() rule does not see it', async (t) => {
  const app = await startBackend('app');
  t.after(() => app.close());
  const port = await proxyTo(t, app.url, 'Header(`X-Env`, `prod`)');
  assert.equal((await httpRequest({ port, headers: { 'x-env': 'prod' } })).status, 200);
  assert.equal((await httpRequest({ port, headers: { connection: 'X-Env', 'x-env': 'prod' } })).status, 404);
});
