import { validateDynamicConfig } from '../../../labels-spec/index.js';
import { startBackend, type Backend, type BackendHandler } from '../../support/backends.js';
import { buildInput, entryPointOptions, startProxy } from '../../support/proxy-fixture.js';
import type { BuildInput, EntryPointOptions } from '../../../proxy/index.js';

/**
 * The real proxy with one catch-all router through the middlewares `m1`, `m2`... given in order
 * (validated by labels-spec as a user's file would be) to a recording backend, on entrypoint `web` with `entryPoint`'s
 * options (e.g. forwardedHeaders, so that a test's X-Forwarded-For is trusted).
 */
export async function proxyThrough(
  t: { after: (fn: () => Promise<void>) => void },
  middlewares: Record<string, unknown>[],
  handler?: BackendHandler,
  entryPoint: Partial<EntryPointOptions> = {},
): Promise<{ app: Backend; port: number }> {
  const app = await startBackend('app', handler);
  t.after(() => app.close());
  const raw: Record<string, unknown> = {};
  middlewares.forEach((m, i) => (raw[`m${i + 1}`] = m));
  const { config, issues } = validateDynamicConfig({ http: { middlewares: raw } });
  // Deprecation warnings (stripPrefix.forceSlash) are fine; an error means the test's options are wrong.
  const errors = issues.filter((issue) => issue.severity === 'error');
  if (errors.length > 0) throw new Error(`invalid middleware options: ${JSON.stringify(errors)}`);
  const validated: BuildInput['http']['middlewares'] = Object.fromEntries(
    Object.entries(config.http.middlewares).map(([name, middleware]) => [`${name}@file`, middleware]),
  );
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's', middlewares: Object.keys(raw) } },
      services: { 's@file': { loadBalancer: { servers: [{ url: app.url }] } } },
      middlewares: validated,
    },
  }), [entryPointOptions('web', '127.0.0.1:0', entryPoint)]);
  t.after(() => proxy.close(0));
  return { app, port: proxy.port('web') };
}
