import assert from 'node:assert/strict';
import { validateDynamicConfig } from '../../labels-spec/index.js';
import { aggregate } from '../../operator/aggregation/aggregate.js';
import type { BuildInput } from '../../proxy/index.js';

/**
 * The `http` section of a dynamic.yml as the file provider hands it to the proxy: validated by the real schema
 * (no error allowed), every name qualified `@file` by the real aggregator.
 */
export function fileHttp(raw: Record<string, unknown>): Pick<BuildInput['http'], 'routers' | 'services' | 'middlewares'> {
  const { config, issues } = validateDynamicConfig({ http: raw });
  assert.deepEqual(issues.filter((i) => i.severity === 'error').map((i) => i.message), []);
  const { http } = aggregate(new Map([['file', config]])).config;
  return { routers: http.routers, services: http.services, middlewares: http.middlewares as BuildInput['http']['middlewares'] };
}
