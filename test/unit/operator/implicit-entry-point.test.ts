// The `traefik` entrypoint pe-edge adds for api.insecure / ping / metrics is Traefik's `&EntryPoint{Address: ":8080"}`
// with defaults: the first entrypoint's routing-level http options do not carry over to it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateStaticConfig } from '../../../labels-spec/index.js';
import { entryPointOptions } from '../../../operator/aggregation/build-input.js';

test('the implicit traefik entrypoint keeps underscore headers (Traefik\'s default) when web rejects them', () => {
  const { config } = validateStaticConfig({ entryPoints: { web: { address: ':80', http: { underscoreHeadersStrategy: 'reject' } } }, api: { insecure: true } });
  const byName = new Map(entryPointOptions(config, null).map((o) => [o.name, o]));
  assert.equal(byName.get('web')?.underscoreHeaders, 'reject');
  assert.equal(byName.get('traefik')?.address, ':8080');
  assert.equal(byName.get('traefik')?.underscoreHeaders, 'keep');
});

test('nothing else of the first entrypoint reaches it either: trusted IPs, PROXY protocol, timeouts and HTTP/2 limits are the defaults', () => {
  const { config } = validateStaticConfig({
    entryPoints: { web: {
      address: ':80',
      forwardedHeaders: { trustedIPs: ['10.0.0.0/8'] },
      proxyProtocol: { trustedIPs: ['10.0.0.0/8'] },
      transport: { respondingTimeouts: { readTimeout: '5s' } },
      http2: { maxConcurrentStreams: 7 },
    } },
    api: { insecure: true },
  });
  const byName = new Map(entryPointOptions(config, null).map((o) => [o.name, o]));
  const web = byName.get('web');
  const traefik = byName.get('traefik');
  assert.deepEqual(web?.forwardedHeaders?.trustedIPs, ['10.0.0.0/8']);
  assert.deepEqual(traefik?.forwardedHeaders?.trustedIPs, []);
  assert.notEqual(web?.proxyProtocol, null);
  assert.equal(traefik?.proxyProtocol, null);
  assert.equal(web?.readTimeout, 5000);
  assert.equal(traefik?.readTimeout, 60_000);
  assert.equal(web?.http2MaxConcurrentStreams, 7);
  assert.equal(traefik?.http2MaxConcurrentStreams, 250);
});
