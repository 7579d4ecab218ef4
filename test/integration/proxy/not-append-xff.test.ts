import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startBackend } from '../../support/backends.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import { staticEntryPoint } from '../../support/static-entry-point.js';

// entryPoints.<name>.forwardedHeaders.notAppendXForwardedFor (Traefik v3.7): the client's address is not appended to
// X-Forwarded-For; what a trusted peer sent goes on as is, and without it no X-Forwarded-For is added.

async function xffSeen(t: { after: (fn: () => Promise<void>) => void }, forwardedHeaders: Record<string, unknown>, sent: string | null): Promise<{ xff: string | undefined; realIp: string | undefined }> {
  const backend = await startBackend('b');
  const input = buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's' } },
      services: { 's@file': { loadBalancer: { servers: [{ url: backend.url }] } } },
    },
  });
  const proxy = await startProxy(input, [staticEntryPoint({ forwardedHeaders })]);
  t.after(async () => { await proxy.close(0); await backend.close(); });
  const res = await request(`http://127.0.0.1:${proxy.port('web')}/`, { headers: sent === null ? {} : { 'x-forwarded-for': sent } });
  await res.body.text();
  assert.equal(res.statusCode, 200);
  const headers = backend.seen[0]?.headers;
  return { xff: headers?.['x-forwarded-for'] as string | undefined, realIp: headers?.['x-real-ip'] as string | undefined };
}

test('notAppendXForwardedFor: a trusted peer\'s X-Forwarded-For reaches the server unchanged, without the peer appended', async (t) => {
  const seen = await xffSeen(t, { trustedIPs: ['127.0.0.1'], notAppendXForwardedFor: true }, '203.0.113.7, 198.51.100.1');
  assert.equal(seen.xff, '203.0.113.7, 198.51.100.1');
});

test('notAppendXForwardedFor: a request without X-Forwarded-For gets none; X-Real-Ip is still the peer', async (t) => {
  const seen = await xffSeen(t, { notAppendXForwardedFor: true }, null);
  assert.equal(seen.xff, undefined);
  assert.equal(seen.realIp, '127.0.0.1');
});

test('notAppendXForwardedFor: an untrusted peer\'s X-Forwarded-For is still dropped, and nothing replaces it', async (t) => {
  const seen = await xffSeen(t, { notAppendXForwardedFor: true }, '203.0.113.7');
  assert.equal(seen.xff, undefined);
});

test('notAppendXForwardedFor: false (the default) appends the peer, as before', async (t) => {
  const seen = await xffSeen(t, { trustedIPs: ['127.0.0.1'], notAppendXForwardedFor: false }, '203.0.113.7');
  assert.equal(seen.xff, '203.0.113.7, 127.0.0.1');
});
