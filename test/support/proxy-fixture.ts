import { Agent } from 'undici';
import assert from 'node:assert/strict';
import { validateDynamicConfig } from '../../labels-spec/index.js';
import { EdgeProxy, DEFAULT_TRANSPORT, type BuildInput, type EntryPointOptions } from '../../proxy/index.js';

/** A BuildInput with one entrypoint `web` and no routers; tests add what they need. */
export function buildInput(overrides: Omit<Partial<BuildInput>, 'http'> & { http?: Partial<BuildInput['http']> } = {}): BuildInput {
  return {
    entryPoints: overrides.entryPoints ?? { web: { address: '127.0.0.1:0' } },
    ping: overrides.ping ?? null,
    defaultRuleSyntax: 'v3',
    ...(overrides.providersPrecedence !== undefined ? { providersPrecedence: overrides.providersPrecedence } : {}),
    defaultTransport: overrides.defaultTransport ?? DEFAULT_TRANSPORT,
    http: {
      routers: overrides.http?.routers ?? {},
      services: overrides.http?.services ?? {},
      middlewares: overrides.http?.middlewares ?? {},
      serversTransports: overrides.http?.serversTransports ?? {},
    },
    tls: overrides.tls ?? { certificates: [], options: {}, stores: {} },
  };
}

/** Middlewares as a file provider would give them: validated (defaults filled in), named `<name>@file`; no error allowed. */
export function fileMiddlewares(raw: Record<string, unknown>): BuildInput['http']['middlewares'] {
  const { config, issues } = validateDynamicConfig({ http: { middlewares: raw } });
  assert.deepEqual(issues.filter((i) => i.severity === 'error'), []);
  return Object.fromEntries(Object.entries(config.http.middlewares).map(([name, m]) => [`${name}@file`, m]));
}

export function entryPointOptions(name: string, address = '127.0.0.1:0', extra: Partial<EntryPointOptions> = {}): EntryPointOptions {
  return {
    name,
    address,
    readTimeout: 60_000,
    idleTimeout: 180_000,
    writeTimeout: 0,
    graceTimeOut: 10_000,
    requestAcceptGraceTimeout: 0,
    maxHeaderBytes: 1_048_576,
    forwardedHeaders: { insecure: false, trustedIPs: [] },
    sanitizePath: true,
    encodedCharacters: null,
    onDone: null,
    ...extra,
  };
}

/** Starts an EdgeProxy on ephemeral ports; `close()` in the test's cleanup. */
export async function startProxy(input: BuildInput, entryPoints: EntryPointOptions[] = Object.keys(input.entryPoints).map((n) => entryPointOptions(n))): Promise<EdgeProxy> {
  const proxy = new EdgeProxy(entryPoints, input);
  await proxy.listen();
  return proxy;
}

/** A proxy routing every path to one backend; both are closed after the test. Returns the proxy's base URL. */
export async function proxyInFrontOf(t: { after: (fn: () => Promise<void>) => void }, backendUrl: string, closeBackend: () => Promise<void>): Promise<string> {
  const port = await proxyPortInFrontOf(t, backendUrl);
  t.after(closeBackend);
  return `http://127.0.0.1:${port}`;
}

/** A proxy on a plain entrypoint (HTTP/1.1 and h2c) routing every path to the server at `url`, closed after the test; its port. */
export async function proxyPortInFrontOf(t: { after: (fn: () => Promise<void>) => void }, url: string): Promise<number> {
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's' } },
      services: { 's@file': { loadBalancer: { servers: [{ url }] } } },
    },
  }));
  t.after(() => proxy.close(0));
  return proxy.port('web');
}

/**
 * A client that keeps one connection per origin (undici's default pool may open another one for the next
 * request). Only requests after the first on a client connection may reuse upstream connections that
 * other clients used (HAProxy's `http-reuse safe`), so tests of upstream reuse send their requests on it.
 */
export function oneClientConnection(t: { after: (fn: () => Promise<void>) => void }): Agent {
  const agent = new Agent({ connections: 1 });
  t.after(() => agent.close());
  return agent;
}
