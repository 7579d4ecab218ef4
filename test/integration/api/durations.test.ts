import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import type { BuildInput } from '../../../proxy/runtime/build-input.js';
import { validateDynamicConfig, validateStaticConfig } from '../../../labels-spec/index.js';

// Traefik's API marshals a duration (paerser types.Duration) as Go's time.Duration.String(): "30s", "1m0s",
// "100ms" (traefik integration/testdata/rawdata-*.json: "flushInterval": "100ms"). pe-edge keeps
// milliseconds at runtime and spells them as Traefik does in /api and `pe-edge check --json`.

const dynamic = validateDynamicConfig({
  http: {
    services: {
      app: {
        loadBalancer: {
          servers: [{ url: 'http://127.0.0.1:9' }],
          healthCheck: { path: '/health', interval: '1m30s', timeout: 3, unhealthyInterval: '1.5s' },
          passiveHealthCheck: { failureWindow: '2h' },
          sticky: { cookie: { name: 'lb', maxAge: 60 } },
        },
      },
    },
    middlewares: {
      limit: { rateLimit: { average: 10, period: '1m' } },
      again: { retry: { attempts: 2, initialInterval: '100ms' } },
      breaker: { circuitBreaker: { expression: 'NetworkErrorRatio() > 0.5' } },
    },
  },
});
assert.deepEqual(dynamic.issues, []);

function input(): BuildInput {
  const http = dynamic.config.http;
  return {
    ...buildInput({
      entryPoints: { web: { address: '127.0.0.1:0' }, traefik: { address: '127.0.0.1:0' } },
      http: {
        routers: { 'app@file': { rule: 'Host(`app.test`)', service: 'app@file', middlewares: ['limit@file', 'again@file', 'breaker@file'] } },
        services: { 'app@file': http.services.app as never },
        middlewares: { 'limit@file': http.middlewares.limit as never, 'again@file': http.middlewares.again as never, 'breaker@file': http.middlewares.breaker as never },
      },
    }),
    api: {
      insecure: true,
      version: '9.9.9',
      startDate: '2024-01-01T00:00:00.000Z',
      entryPoints: { web: { address: '127.0.0.1:0' }, traefik: { address: '127.0.0.1:0' } },
      features: { tracing: '', metrics: '', accessLog: false },
      providers: ['File'],
    },
  };
}

async function api(t: TestContext): Promise<string> {
  const proxy = await startProxy(input());
  t.after(() => proxy.close(0));
  return `http://127.0.0.1:${proxy.port('traefik')}/api`;
}

interface ServiceJson {
  loadBalancer: {
    healthCheck: Record<string, unknown>;
    passiveHealthCheck: Record<string, unknown>;
    sticky: { cookie: Record<string, unknown> };
    responseForwarding?: Record<string, unknown>;
  };
}

test('a service\'s durations are Go duration strings in /api/http/services/<name> and /api/rawdata', async (t) => {
  const base = await api(t);
  const one = await (await fetch(`${base}/http/services/app@file`)).json() as ServiceJson;
  const raw = await (await fetch(`${base}/rawdata`)).json() as { services: Record<string, ServiceJson> };
  for (const svc of [one, raw.services['app@file'] as ServiceJson]) {
    const lb = svc.loadBalancer;
    assert.equal(lb.healthCheck.interval, '1m30s');
    assert.equal(lb.healthCheck.timeout, '3s');
    assert.equal(lb.healthCheck.unhealthyInterval, '1.5s');
    assert.equal(lb.passiveHealthCheck.failureWindow, '2h0m0s');
    assert.equal(lb.sticky.cookie.maxAge, 60, 'maxAge is an int (seconds), not a duration');
  }
});

test('middlewares\' durations are Go duration strings in /api/http/middlewares', async (t) => {
  const base = await api(t);
  const list = await (await fetch(`${base}/http/middlewares`)).json() as { name: string; [k: string]: unknown }[];
  const byName = new Map(list.map((m) => [m.name, m]));
  assert.equal((byName.get('limit@file')?.rateLimit as Record<string, unknown>).period, '1m0s');
  assert.equal((byName.get('again@file')?.retry as Record<string, unknown>).initialInterval, '100ms');
  const breaker = byName.get('breaker@file')?.circuitBreaker as Record<string, unknown>;
  assert.deepEqual([breaker.checkPeriod, breaker.fallbackDuration, breaker.recoveryDuration], ['100ms', '10s', '10s']);
});

test('an entry point\'s transport timeouts are Go duration strings in /api/entrypoints', async (t) => {
  const i = input();
  const ep = validateStaticConfig({ entryPoints: { web: { address: '127.0.0.1:0', transport: { respondingTimeouts: { readTimeout: '90s' } } } } });
  assert.deepEqual(ep.issues.filter((x) => x.severity === 'error'), []);
  const web = ep.config.entryPoints.web as object;
  const proxy = await startProxy({ ...i, api: { ...i.api!, entryPoints: { web, traefik: { address: '127.0.0.1:0' } } } });
  t.after(() => proxy.close(0));
  const got = await (await fetch(`http://127.0.0.1:${proxy.port('traefik')}/api/entrypoints/web`)).json() as { transport: { respondingTimeouts: Record<string, unknown>; lifeCycle: Record<string, unknown> } };
  assert.deepEqual(got.transport.respondingTimeouts, { readTimeout: '1m30s', writeTimeout: '0s', idleTimeout: '3m0s' });
  assert.equal(got.transport.lifeCycle.graceTimeOut, '10s');
});
