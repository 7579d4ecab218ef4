import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyDynamicConfig, validateDynamicConfig, validateStaticConfig } from '../../../labels-spec/index.js';
import { toBuildInput } from '../../../operator/aggregation/build-input.js';
import { DEFAULT_TRANSPORT } from '../../../proxy/forward/servers-transport.js';

// Traefik's serversTransport defaults have one home, the static schema: DEFAULT_TRANSPORT is what a static
// configuration that sets nothing makes of `default@internal`.

function defaultInternal(serversTransport?: Record<string, unknown>) {
  const { config, issues } = validateStaticConfig({ entryPoints: { web: { address: ':80' } }, ...(serversTransport === undefined ? {} : { serversTransport }) });
  assert.deepEqual(issues, []);
  return toBuildInput(config, emptyDynamicConfig()).defaultTransport;
}

test('DEFAULT_TRANSPORT is default@internal of a static configuration without serversTransport: Traefik\'s defaults', () => {
  assert.deepEqual(DEFAULT_TRANSPORT, defaultInternal());
  assert.deepEqual(
    { dial: DEFAULT_TRANSPORT.dialTimeout, header: DEFAULT_TRANSPORT.responseHeaderTimeout, idle: DEFAULT_TRANSPORT.idleConnTimeout, idleConns: DEFAULT_TRANSPORT.maxIdleConnsPerHost, verify: !DEFAULT_TRANSPORT.insecureSkipVerify },
    { dial: 30_000, header: 0, idle: 90_000, idleConns: 200, verify: true },
  );
});

test('a static serversTransport changes default@internal only; a dynamic one starts from the dynamic defaults (maxIdleConnsPerHost 0)', () => {
  const tuned = defaultInternal({ maxIdleConnsPerHost: 10, forwardingTimeouts: { dialTimeout: '5s' } });
  assert.deepEqual({ dial: tuned.dialTimeout, idleConns: tuned.maxIdleConnsPerHost, idle: tuned.idleConnTimeout }, { dial: 5000, idleConns: 10, idle: 90_000 });
  assert.equal(DEFAULT_TRANSPORT.dialTimeout, 30_000);
  const { config: dynamic } = validateDynamicConfig({ http: { serversTransports: { t: {} } } });
  const { config } = validateStaticConfig({ entryPoints: { web: { address: ':80' } } });
  const transport = toBuildInput(config, dynamic).http.serversTransports.t;
  assert.deepEqual({ dial: transport?.dialTimeout, idleConns: transport?.maxIdleConnsPerHost, ping: transport?.pingTimeout }, { dial: 30_000, idleConns: 0, ping: 15_000 });
});
