// The Docker provider decodes a container's labels on the event loop that serves requests, so a container with
// many labels stalls every request for as long as its decoding takes. Decoding must grow with the number of labels,
// not with its square: each container below (30,000 or 60,000 items, 2 to 4 MB of labels) took 19 to 36 s, now 1 to 4.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerConfig, type DockerProviderOptions } from '../../../operator/providers/docker/container-config.js';
import type { ContainerView } from '../../../operator/providers/docker/container-view.js';

const options: DockerProviderOptions = { exposedByDefault: true, network: '', useBindPortIP: false, defaultRule: 'Host(`{{ normalize .Name }}`)', allowEmptyServices: false };
const ITEMS = 30_000;
/** Far above what linear decoding of these containers takes on a loaded CI machine, far below the quadratic time. */
const BOUND_MS = 10_000;

function hostile(labelsOf: (i: number) => Record<string, string>, items = ITEMS): ContainerView {
  const labels: Record<string, string> = { 'com.docker.compose.project': 'demo', 'com.docker.compose.service': 'many' };
  for (let i = 0; i < items; i++) Object.assign(labels, labelsOf(i));
  return { id: 'id-many', name: 'many', running: true, paused: false, health: null, networkMode: 'bridge', labels, networks: { bridge: { ip: '10.0.0.9', ipv6: '' } }, ports: [80], bindings: {} };
}

function timed(container: ContainerView): { ms: number; result: ReturnType<typeof containerConfig> } {
  const start = performance.now();
  const result = containerConfig(container, options);
  return { ms: performance.now() - start, result };
}

test(`a container declaring ${2 * ITEMS} services with a server port each decodes in linear time`, { timeout: 120_000 }, () => {
  const { ms, result } = timed(hostile((i) => ({ [`traefik.http.services.s${i}.loadbalancer.server.port`]: '8080' }), 2 * ITEMS));
  assert.equal(result.kind, 'routed');
  assert.equal(result.kind === 'routed' ? Object.keys(result.config.http.services).length : 0, 2 * ITEMS);
  assert.ok(ms < BOUND_MS, `decoding took ${Math.round(ms)} ms`);
});

test(`a container with ${ITEMS} sections disabled by label (tls=false) beside ${ITEMS} others decodes in linear time`, { timeout: 120_000 }, () => {
  const { ms, result } = timed(hostile((i) => ({
    [`traefik.http.routers.r${i}.tls`]: 'false',
    [`traefik.http.routers.r${i}.tls.certresolver`]: 'le',
    [`traefik.http.middlewares.m${i}.headers.customrequestheaders.x-n`]: String(i),
  })));
  assert.equal(result.kind, 'routed');
  // What the disabled sections mean is unchanged: each router's tls label is ignored, with a warning naming it.
  assert.equal(result.kind === 'routed' ? result.config.http.routers.r7?.tls : 'skipped', undefined);
  const ignored = result.issues.filter((i) => /^label "traefik\.http\.routers\.r\d+\.tls\.certresolver": ignored: the section is disabled by label "traefik\.http\.routers\.r\d+\.tls"$/.test(i.message));
  assert.equal(ignored.length, ITEMS);
  assert.ok(ms < BOUND_MS, `decoding took ${Math.round(ms)} ms`);
});

test(`a container with ${ITEMS} middlewares missing a required field is left out in linear time, each problem named`, { timeout: 120_000 }, () => {
  const { ms, result } = timed(hostile((i) => ({ [`traefik.http.middlewares.m${i}.forwardauth.trustforwardheader`]: 'true' })));
  assert.equal(result.kind, 'skipped');
  assert.equal(result.issues.filter((i) => i.severity === 'error').length, ITEMS);
  assert.match(result.issues[0]?.message ?? '', /forwardAuth\.address: required field is missing/);
  assert.ok(ms < BOUND_MS, `decoding took ${Math.round(ms)} ms`);
});
