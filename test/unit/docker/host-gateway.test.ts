import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerAddress } from '../../../operator/providers/docker/container-address.js';
import type { ContainerView } from '../../../operator/providers/docker/container-view.js';
import { HOST_GATEWAY_NAMES, hostGatewayAddress, type HostLookup } from '../../../operator/providers/docker/host-gateway.js';

function table(answers: Record<string, string>): { lookup: HostLookup; asked: string[] } {
  const asked: string[] = [];
  const lookup: HostLookup = async (name) => {
    asked.push(name);
    const address = answers[name];
    if (address === undefined) throw new Error(`ENOTFOUND ${name}`);
    return address;
  };
  return { lookup, asked };
}

test('host network mode: host.docker.internal first, then host.containers.internal, then 127.0.0.1, as Traefik', async () => {
  assert.deepEqual(HOST_GATEWAY_NAMES, ['host.docker.internal', 'host.containers.internal']);
  const docker = table({ 'host.docker.internal': '192.168.65.254', 'host.containers.internal': '10.88.0.1' });
  assert.equal(await hostGatewayAddress(HOST_GATEWAY_NAMES, docker.lookup), '192.168.65.254');
  assert.deepEqual(docker.asked, ['host.docker.internal']);
  const podman = table({ 'host.containers.internal': '10.88.0.1' });
  assert.equal(await hostGatewayAddress(HOST_GATEWAY_NAMES, podman.lookup), '10.88.0.1');
  assert.deepEqual(podman.asked, ['host.docker.internal', 'host.containers.internal']);
  assert.equal(await hostGatewayAddress(HOST_GATEWAY_NAMES, table({}).lookup), '127.0.0.1');
  assert.equal(await hostGatewayAddress(HOST_GATEWAY_NAMES, table({ 'host.docker.internal': 'fd00::1' }).lookup), '[fd00::1]');
});

test('host gateway: a lookup that never answers falls through within about a second', async () => {
  const started = Date.now();
  assert.equal(await hostGatewayAddress(['hangs'], () => new Promise<string>(() => undefined)), '127.0.0.1');
  assert.ok(Date.now() - started < 5_000);
});

test('host gateway with the system resolver: localhost from /etc/hosts resolves, a .invalid name falls back to 127.0.0.1', async () => {
  assert.match(await hostGatewayAddress(['localhost']), /^(127\.\d+\.\d+\.\d+|\[::1\])$/);
  assert.equal(await hostGatewayAddress(['pe-edge-no-such-host.invalid']), '127.0.0.1');
});

test('containerAddress: a host-network container is reached at the resolved gateway, 127.0.0.1 without one', () => {
  const c: ContainerView = { id: 'h', name: 'h', labels: {}, running: true, paused: false, health: null, networkMode: 'host', networks: {}, ports: [8080], bindings: {} };
  assert.deepEqual(containerAddress(c, 8080, { network: '', useBindPortIP: false, hostGateway: '192.168.65.254' }), { host: '192.168.65.254', port: 8080 });
  assert.deepEqual(containerAddress(c, 8080, { network: '', useBindPortIP: false }), { host: '127.0.0.1', port: 8080 });
});
