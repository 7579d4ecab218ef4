// A client whose sticky cookie Traefik v3.4 or later set (the server URL or child name, hashed with SHA-256 and
// cut to 16 hex digits; or the name itself) stays on its server after a switch to pe-edge, as Traefik v3.4+ keeps
// it: no new cookie while that server is up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request } from 'undici';
import { startBackend } from '../../support/backends.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import { stickyPair } from './sticky-pair.js';

const sha256Value = (name: string): string => createHash('sha256').update(name).digest('hex').slice(0, 16);

test('loadBalancer: a Traefik v3.4+ cookie (sha256 of the server URL, or the URL) pins its server without a new cookie', async (t) => {
  const { servers: [a, b], url } = await stickyPair(t);
  for (const server of [a, b, a, b]) {
    for (const value of [sha256Value(server.url), server.url]) {
      const res = await request(url, { headers: { cookie: `lb=${value}` } });
      assert.equal(await res.body.text(), server.name, value);
      assert.equal(res.headers['set-cookie'], undefined, `no new cookie for ${value}`);
    }
  }
});

test('weighted: a Traefik v3.4+ cookie (sha256 of the child name) pins its child without a new cookie', async (t) => {
  const stable = await startBackend('stable');
  const canary = await startBackend('canary');
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 'split' } },
      services: {
        'split@file': { weighted: { services: [{ name: 'stable', weight: 1 }, { name: 'canary', weight: 1 }], sticky: { cookie: { name: 'lane' } } } },
        'stable@file': { loadBalancer: { servers: [{ url: stable.url }] } },
        'canary@file': { loadBalancer: { servers: [{ url: canary.url }] } },
      },
    },
  }));
  t.after(async () => { await proxy.close(0); await stable.close(); await canary.close(); });
  const url = `http://127.0.0.1:${proxy.port('web')}/`;
  for (const child of ['stable', 'canary', 'stable', 'canary']) {
    const res = await request(url, { headers: { cookie: `lane=${sha256Value(child)}` } });
    assert.equal(await res.body.text(), child);
    assert.equal(res.headers['set-cookie'], undefined);
  }
});
