import assert from 'node:assert/strict';
import { validateStaticConfig } from '../../labels-spec/index.js';
import { entryPointOptions } from '../../operator/aggregation/build-input.js';
import type { EntryPointOptions } from '../../proxy/index.js';

/**
 * The options the operator gives entrypoint `web` for a traefik.yml entry (`address` aside: 127.0.0.1:0), so a test
 * covers the way from the static key to the listener. Fails on any issue: a key under test must be neither an error
 * nor warned as not implemented.
 */
export function staticEntryPoint(web: Record<string, unknown>): EntryPointOptions {
  const { config, issues } = validateStaticConfig({ entryPoints: { web: { ...web, address: '127.0.0.1:0' } } });
  assert.deepEqual(issues.map((i) => `${i.path.join('.')}: ${i.message}`), []);
  const [options] = entryPointOptions(config, null);
  assert.ok(options !== undefined);
  return options;
}
