// What the dashboard learns from the providers: label problems, the container behind each server, and routers that
// serve api@internal to anyone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateDynamicConfig, type DynamicConfig } from '../../../labels-spec/index.js';
import { EdgeProxy } from '../../../proxy/index.js';
import type { ApiInput } from '../../../proxy/runtime/build-input.js';
import { changeLogItems, dockerProblems, eventContainer, serverContainers, unguardedApiRouters } from '../../../operator/cli/dashboard-feed.js';
import { ChangeLog } from '../../../proxy/observability/change-log.js';
import type { DockerSnapshot } from '../../../operator/providers/docker/docker-provider.js';
import type { ContainerView } from '../../../operator/providers/docker/container-view.js';
import { buildInput, entryPointOptions } from '../../support/proxy-fixture.js';
import { tcpInput } from '../../support/tcp-backends.js';

const view = (name: string): ContainerView => ({ id: `${name}-id`, name, labels: {}, running: true, paused: false, health: null, networkMode: 'bridge', networks: {}, ports: [], bindings: {} });

function config(raw: unknown): DynamicConfig {
  return validateDynamicConfig(raw).config;
}

test('docker: label issues per container (with the suggestion), merge conflicts; server URL or TCP/UDP address → container; the event\'s container', () => {
  const snapshot: DockerSnapshot = {
    config: config({}),
    containers: [
      { kind: 'routed', container: view('app-1'), warnings: [], issues: [], config: config({ http: { services: { app: { loadBalancer: { servers: [{ url: 'http://10.0.0.2:3000' }] } } } } }) },
      { kind: 'routed', container: view('db-1'), warnings: [], issues: [], config: config({ tcp: { services: { db: { loadBalancer: { servers: [{ address: '10.0.0.3:5432' }] } } } }, udp: { services: { dns: { loadBalancer: { servers: [{ address: '10.0.0.3:53' }] } } } } }) },
      { kind: 'skipped', container: view('app-2'), reason: 'label errors', issues: [{ severity: 'error', code: 'unknown-key', path: [], message: 'label traefik.http.routers.app.rulle: unknown key; did you mean "rule"?' }] },
    ],
    errors: ['service "app@docker" defined differently by app-1 and app-3'],
    cause: { id: 'app-2-id', action: 'start', attributes: { name: 'app-2' }, timeNano: 0 },
  };
  assert.deepEqual(dockerProblems(snapshot).map((p) => [p.severity, p.container, p.message]), [
    ['error', 'app-2', 'container app-2: label traefik.http.routers.app.rulle: unknown key; did you mean "rule"?'],
    ['error', 'app-2', 'container app-2 left out: label errors'],
    ['error', undefined, 'service "app@docker" defined differently by app-1 and app-3'],
  ]);
  assert.deepEqual([...serverContainers(snapshot)], [['http://10.0.0.2:3000', 'app-1'], ['10.0.0.3:5432', 'db-1'], ['10.0.0.3:53', 'db-1']]);
  assert.equal(eventContainer(snapshot), 'app-2');
  assert.equal(eventContainer({ ...snapshot, cause: null }), undefined);
});

const api: ApiInput = { insecure: false, version: '1', startDate: '', entryPoints: {}, features: { tracing: '', metrics: '', accessLog: false }, providers: [], dashboard: true, insights: null };

test('routers serving api@internal without auth or allow-list on the way are named; guarded ones (own, chain, entrypoint) are not', () => {
  const dyn = config({
    http: {
      routers: {
        open: { rule: 'Host(`open.test`)', service: 'api@internal' },
        auth: { rule: 'Host(`auth.test`)', service: 'api@internal', middlewares: ['auth'] },
        chained: { rule: 'Host(`chain.test`)', service: 'api@internal', middlewares: ['both'] },
        headersOnly: { rule: 'Host(`h.test`)', service: 'api@internal', middlewares: ['hdr'] },
        other: { rule: 'Host(`o.test`)', service: 'app' },
      },
      middlewares: {
        auth: { basicAuth: { users: ['a:{SHA}x'] } },
        hdr: { headers: { customResponseHeaders: { 'x-a': 'b' } } },
        both: { chain: { middlewares: ['hdr', 'auth'] } },
      },
      services: { app: { loadBalancer: { servers: [{ url: 'http://127.0.0.1:9' }] } } },
    },
  });
  const q = <T>(section: Record<string, T>): Record<string, T> => Object.fromEntries(Object.entries(section).map(([k, v]) => [`${k}@file`, v]));
  const input = { ...buildInput({ http: { routers: q(dyn.http.routers), services: q(dyn.http.services), middlewares: q(dyn.http.middlewares as Record<string, Record<string, unknown>>) } }), api };
  const proxy = new EdgeProxy([entryPointOptions('web')], input);
  const names = (eps: (ep: string) => readonly string[]) => unguardedApiRouters(proxy.runtime, eps).map((p) => /router "([^"]+)"/.exec(p.message)?.[1]);
  assert.deepEqual(names(() => []), ['open@file', 'headersOnly@file']);
  assert.match(unguardedApiRouters(proxy.runtime, () => [])[0]?.message ?? '', /on entrypoint "web": anyone who reaches it reads your whole configuration/);
  assert.deepEqual(names(() => ['auth@file']), [], 'an auth middleware on the entrypoint guards them all');
  void proxy.close(0);
});

test('the change log hears TCP and UDP items by protocol, apart from HTTP items of the same name', () => {
  const input = {
    ...buildInput({
      entryPoints: { web: { address: '127.0.0.1:0' }, dns: { address: '127.0.0.1:0/udp' } },
      http: { routers: { 'db@file': { rule: 'Host(`db.test`)', service: 'app@file' } }, services: { 'app@file': { loadBalancer: { servers: [{ url: 'http://127.0.0.1:9' }] } } } },
    }),
    tcp: tcpInput({
      routers: { 'db@file': { rule: 'HostSNI(`*`)', entryPoints: ['web'], service: 'gone' } },
      middlewares: { 'local@file': { ipAllowList: { sourceRange: ['127.0.0.1/32'] } } },
    }),
    udp: { routers: { 'dns@file': { entryPoints: ['dns'], service: 'dns' } }, services: { 'dns@file': { loadBalancer: { servers: [{ address: '127.0.0.1:5353' }] } } } },
  };
  const proxy = new EdgeProxy([entryPointOptions('web'), entryPointOptions('dns', '127.0.0.1:0/udp')], input);
  const change = new ChangeLog().applied(changeLogItems(proxy.runtime), { cause: 'file' });
  assert.deepEqual(change?.added.map((i) => `${i.kind} ${i.name}`).sort(), [
    'TCP middleware local@file', 'TCP router db@file', 'UDP router dns@file', 'UDP service dns@file', 'router db@file', 'service app@file',
  ]);
  assert.deepEqual(change?.failed.map((i) => [i.kind, i.name, i.errors]), [['TCP router', 'db@file', ['the service "gone@file" does not exist']]]);
  void proxy.close(0);
});
