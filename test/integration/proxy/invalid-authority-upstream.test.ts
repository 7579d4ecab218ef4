import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBackend } from '../../support/backends.js';
import { startH2Backend } from '../../support/h2-backend.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import { RawH2Connection, headersFrame, requestFields, statusOf } from '../../support/h2-frames.js';

// The HTTP/1.1 fronts refuse a Host with bytes Go's ValidHostHeader refuses (`public.test@admin.test`: 400); HTTP/2's
// :authority gets no such check, as in Go, so such a host reaches routing, where it matches no Host rule. Go's transport
// then sends it upstream as an empty Host: a backend that reads the Host as a URL's authority would take
// `x@admin.test` for admin.test, past the admin.test router's basicAuth.
test('an HTTP/2 :authority Go\'s transport would not send goes upstream as an empty Host, never as received', async (t) => {
  const app = await startBackend('app');
  const admin = await startBackend('admin');
  const proxy = await startProxy(buildInput({
    http: {
      routers: {
        'any@file': { rule: 'HostRegexp(`.+`)', service: 'app', priority: 1 },
        'admin@file': { rule: 'Host(`admin.test`)', service: 'admin', middlewares: ['auth@file'] },
      },
      services: {
        'app@file': { loadBalancer: { servers: [{ url: app.url }] } },
        'admin@file': { loadBalancer: { servers: [{ url: admin.url }] } },
      },
      middlewares: { 'auth@file': { basicAuth: { users: ['u:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/'], usersFile: '', realm: 'traefik', headerField: '', removeHeader: false } } },
    },
  }));
  t.after(async () => { await proxy.close(0); await app.close(); await admin.close(); });
  const h2 = await RawH2Connection.connectH2c(proxy.port('web'));
  t.after(() => h2.destroy());
  const ask = async (streamId: number, authority: string): Promise<number | undefined> => {
    h2.write(headersFrame(streamId, requestFields('GET', '/', authority), true));
    const answer = await h2.answerOn(streamId, 3000);
    return answer === undefined ? undefined : statusOf(answer);
  };
  assert.equal(await ask(1, 'admin.test'), 401, 'the admin host asks for credentials');
  assert.equal(await ask(3, 'x@admin.test'), 200);
  assert.equal(app.seen[0]?.headers.host, '', 'the host Go would not send is blanked');
  assert.equal(await ask(5, 'public.test'), 200);
  assert.equal(app.seen[1]?.headers.host, 'public.test', 'a valid host passes as it came');
  assert.equal(admin.seen.length, 0);
});

// Go's HTTP/2 transport does not blank such a Host: it refuses to send the request ("http2: invalid Host header"),
// an error Traefik answers 500. pe-edge sent it with the server's own authority, and the backend answered.
test('an HTTP/2 :authority Go\'s transport would not send is not sent to an HTTP/2 server either: 500, as Go\'s http2 transport refuses it', async (t) => {
  const h2 = await startH2Backend();
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'any@file': { rule: 'HostRegexp(`.+`)', service: 'app' } },
      services: { 'app@file': { loadBalancer: { servers: [{ url: `h2c://127.0.0.1:${h2.port}` }] } } },
    },
  }));
  t.after(async () => { await proxy.close(0); await h2.close(); });
  const client = await RawH2Connection.connectH2c(proxy.port('web'));
  t.after(() => client.destroy());
  const ask = async (streamId: number, authority: string): Promise<number | undefined> => {
    client.write(headersFrame(streamId, requestFields('GET', '/', authority), true));
    const answer = await client.answerOn(streamId, 3000);
    return answer === undefined ? undefined : statusOf(answer);
  };
  assert.equal(await ask(1, 'x@admin.test'), 500);
  assert.equal(h2.seen.length, 0, 'nothing reached the server');
  assert.equal(await ask(3, 'public.test'), 200);
  assert.equal(h2.seen[0]?.headers[':authority'], 'public.test');
});
