import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startBackend, type Backend } from '../../support/backends.js';
import { buildInput, entryPointOptions, startProxy } from '../../support/proxy-fixture.js';
import { freePort, httpRequest, httpsRequest } from '../../support/tls-clients.js';
import type { BuildInput, EdgeProxy } from '../../../proxy/index.js';

// entryPoints.web.http.redirections.entryPoint → websecure, as in a typical traefik.yml.
// websecure's address must carry its real port: the redirect takes the port from the target's address.

type Redirect = { to: string; scheme?: string; permanent?: boolean };

function input(webAddress: string, secureAddress: string, app: Backend, redirect: Redirect | null, ping = false): BuildInput {
  return buildInput({
    entryPoints: {
      web: { address: webAddress, ...(redirect !== null ? { http: { redirections: { entryPoint: redirect } } } : {}) },
      websecure: { address: secureAddress },
    },
    ping: ping ? { entryPoint: 'web' } : null,
    http: {
      routers: {
        // A plain router on web too: the redirection must outrank it.
        'app-http@file': { rule: 'Host(`x.test`)', service: 'app', entryPoints: ['web'] },
        'app@file': { rule: 'Host(`x.test`)', service: 'app', entryPoints: ['websecure'], tls: {} },
      },
      services: { 'app@file': { loadBalancer: { servers: [{ url: app.url }] } } },
    },
  });
}

async function setup(t: { after: (fn: () => Promise<void>) => void }, redirect: Redirect | null, ping = false) {
  const app = await startBackend('app');
  t.after(() => app.close());
  const securePort = await freePort();
  const webAddress = '127.0.0.1:0';
  const secureAddress = `127.0.0.1:${securePort}`;
  const proxy: EdgeProxy = await startProxy(input(webAddress, secureAddress, app, redirect, ping), [
    entryPointOptions('web', webAddress),
    entryPointOptions('websecure', secureAddress),
  ]);
  t.after(() => proxy.close(0));
  const webPort = proxy.port('web');
  assert.equal(proxy.port('websecure'), securePort);
  return {
    app,
    proxy,
    webPort,
    securePort,
    reconfigure: (next: Redirect | null) => proxy.apply(input(webAddress, secureAddress, app, next, ping)),
  };
}

const PERMANENT: Redirect = { to: 'websecure', scheme: 'https', permanent: true };

test('web → websecure, permanent: GET answers 301 and POST 308, with the websecure port, path and query kept', async (t) => {
  const { app, webPort, securePort } = await setup(t, PERMANENT);
  const get = await httpRequest({ port: webPort, host: `x.test:${webPort}`, path: '/p?q=1' });
  assert.equal(get.status, 301);
  assert.equal(get.headers.location, `https://x.test:${securePort}/p?q=1`);
  assert.equal(get.body, 'Moved Permanently');

  const post = await httpRequest({ port: webPort, host: `x.test:${webPort}`, path: '/p?q=1', method: 'POST', body: 'data' });
  assert.equal(post.status, 308);
  assert.equal(post.headers.location, `https://x.test:${securePort}/p?q=1`);
  assert.equal(app.seen.length, 0, 'the plain router on web never sees a request');

  // Following the Location reaches the app over HTTPS on websecure.
  const followed = await httpsRequest({ port: securePort, host: `x.test:${securePort}`, path: '/p?q=1' });
  assert.equal(followed.status, 200);
  assert.equal(followed.body, 'app');
  assert.equal(app.seen[0]?.url, '/p?q=1');
});

test('permanent: false answers 302 for GET and 307 for POST', async (t) => {
  const { reconfigure, webPort, securePort } = await setup(t, PERMANENT);
  reconfigure({ to: 'websecure', scheme: 'https', permanent: false });
  const get = await httpRequest({ port: webPort, host: 'x.test', path: '/p?q=1' });
  assert.equal(get.status, 302);
  assert.equal(get.headers.location, `https://x.test:${securePort}/p?q=1`);
  const post = await httpRequest({ port: webPort, host: 'x.test', path: '/form', method: 'POST', body: 'a=1' });
  assert.equal(post.status, 307);
  assert.equal(post.headers.location, `https://x.test:${securePort}/form`);
});

test('permanent defaults to true and scheme to https when only `to` is set', async (t) => {
  const { webPort, securePort } = await setup(t, { to: 'websecure' });
  const get = await httpRequest({ port: webPort, host: 'x.test', path: '/d' });
  assert.equal(get.status, 301);
  assert.equal(get.headers.location, `https://x.test:${securePort}/d`);
});

test('to: ":443" redirects to https without a port in Location; ":8443" keeps it', async (t) => {
  const { reconfigure, webPort } = await setup(t, { to: ':443', scheme: 'https', permanent: true });
  const res = await httpRequest({ port: webPort, host: `x.test:${webPort}`, path: '/p?q=1' });
  assert.equal(res.status, 301);
  assert.equal(res.headers.location, 'https://x.test/p?q=1');
  reconfigure({ to: ':8443', scheme: 'https' });
  const other = await httpRequest({ port: webPort, host: 'x.test', path: '/p?q=1' });
  assert.equal(other.headers.location, 'https://x.test:8443/p?q=1');
});

test('a request already on https is not redirected', async (t) => {
  const { app, webPort, securePort } = await setup(t, PERMANENT);
  const res = await httpsRequest({ port: securePort, host: `x.test:${securePort}`, path: '/already' });
  assert.equal(res.status, 200);
  assert.equal(res.body, 'app');
  assert.equal(res.headers.location, undefined);
  // TLS on the redirecting entrypoint's own port is not redirected either: the redirect router is HTTP-only.
  // (No TLS router on web, so that is Traefik's 404.)
  const tlsOnWeb = await httpsRequest({ port: webPort, host: 'x.test', path: '/already' });
  assert.equal(tlsOnWeb.status, 404);
  assert.equal(tlsOnWeb.headers.location, undefined);
  assert.equal(app.seen.length, 1);
});

test('without redirection the plain router on web answers normally (control)', async (t) => {
  const { app, webPort } = await setup(t, null);
  const res = await httpRequest({ port: webPort, host: 'x.test', path: '/plain' });
  assert.equal(res.status, 200);
  assert.equal(res.body, 'app');
  assert.equal(app.seen[0]?.headers['x-forwarded-proto'], 'http');
});

test('/ping on the redirecting entrypoint answers 200 OK (priority MaxInt), then 503 once terminating', async (t) => {
  const { proxy, webPort } = await setup(t, PERMANENT, true);
  const ok = await httpRequest({ port: webPort, host: `x.test:${webPort}`, path: '/ping' });
  assert.equal(ok.status, 200);
  assert.equal(ok.body, 'OK');
  assert.equal(ok.headers.location, undefined);
  const head = await httpRequest({ port: webPort, host: 'x.test', path: '/ping', method: 'HEAD' });
  assert.equal(head.status, 200);
  const sub = await httpRequest({ port: webPort, host: 'x.test', path: '/ping/anything' });
  assert.equal(sub.status, 200, 'any path under /ping');
  const other = await httpRequest({ port: webPort, host: 'x.test', path: '/pong' });
  assert.equal(other.status, 301, 'everything else still redirects');

  proxy.lifecycle.terminating = true; // what close() sets first, before the listeners stop
  const down = await httpRequest({ port: webPort, host: 'x.test', path: '/ping' });
  assert.equal(down.status, 503);
  assert.equal(down.body, 'Service Unavailable');
});

test('/ping answers 503 to a request that arrives while proxy.close() is draining', async (t) => {
  const { proxy, webPort } = await setup(t, PERMANENT, true);
  // A connection with a request under way (headers started) is in flight, so shutdown waits for it.
  const socket = net.connect(webPort, '127.0.0.1');
  t.after(() => socket.destroy());
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write('GET /ping HTTP/1.1\r\nHost: x.test\r\n');
  await new Promise((r) => setTimeout(r, 50));
  const closing = proxy.close(3000);
  const answer = new Promise<string>((resolve) => {
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('close', () => resolve(text));
  });
  socket.end('Connection: close\r\n\r\n');
  const raw = await answer;
  await closing;
  assert.match(raw, /^HTTP\/1\.1 503 /);
  assert.match(raw, /\r\n\r\nService Unavailable$/);
});

test('close() twice (SIGINT after SIGTERM) joins the first shutdown instead of failing', async (t) => {
  const { proxy, webPort } = await setup(t, PERMANENT, true);
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  t.after(() => void process.off('unhandledRejection', onUnhandled));
  const first = proxy.close(0);
  const second = proxy.close(0);
  await Promise.all([first, second]);
  await proxy.close(0);
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(unhandled.map(String), []);
  await assert.rejects(httpRequest({ port: webPort, host: 'x.test', path: '/ping' }), 'the listener is closed');
});
