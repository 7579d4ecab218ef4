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
