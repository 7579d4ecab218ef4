// pe-edge following a real engine stays quiet about what does not concern it: containers it does not route
// (no traefik labels, exposedByDefault false) starting, pausing, unpausing and stopping rebuild nothing and log
// no INFO "configuration applied"; a SIGTERM ends the event stream without a "reconnecting" warning.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IMAGES, docker, dockerScope, ensureImages, requireDocker, waitFor } from './support/docker-env.js';
import { hostnameOf, startEdgeOnHost, viaEdge } from './support/edge-on-host.js';

const applied = (lines: readonly string[], from: number): number => lines.slice(from).filter((l) => l.includes('"configuration applied"')).length;

test('unrouted containers coming and going rebuild nothing; SIGTERM stops the provider without a warning', { timeout: 120_000 }, async (t) => {
  if (!(await requireDocker(t))) return;
  await ensureImages();
  const scope = dockerScope(t);
  const network = await scope.network();
  const edge = await startEdgeOnHost(t, { network });
  const routed = (host: string, hostname: string) => waitFor(`${host} routed`, async () => {
    const r = await viaEdge(edge, host);
    return r.status === 200 && hostnameOf(r.body) === hostname ? r : undefined;
  }, { timeoutMs: 10_000, intervalMs: 50 });
  await scope.run({ image: IMAGES.whoami, network, hostname: 'one', labels: { 'traefik.enable': 'true', 'traefik.http.routers.one.rule': 'Host(`one.test`)' } });
  await routed('one.test', 'one');
  await edge.proc.waitForLine('"configuration applied"', 5000);

  const mark = edge.proc.stdout.length;
  // Not routed: exposedByDefault is false (startEdgeOnHost) and it has no traefik.enable.
  const bystander = await scope.run({ image: IMAGES.whoami, network, hostname: 'bystander' });
  await docker(['pause', bystander.id]);
  await docker(['unpause', bystander.id]);
  await bystander.stop(1);
  // A real change after them: once it is routed, every event before it was handled.
  await scope.run({ image: IMAGES.whoami, network, hostname: 'two', labels: { 'traefik.enable': 'true', 'traefik.http.routers.two.rule': 'Host(`two.test`)' } });
  await routed('two.test', 'two');
  await edge.proc.waitForLine('"configuration applied"', 5000, mark);
  const lines = edge.proc.stdout.slice(mark);
  assert.equal(applied(edge.proc.stdout, mark), 1, `one rebuild (container two), none for the bystander:\n${lines.join('\n')}`);

  const beforeStop = edge.proc.stdout.length;
  await edge.stop();
  assert.equal(edge.proc.exit?.code, 0, edge.proc.output());
  const after = [...edge.proc.stdout.slice(beforeStop), ...edge.proc.stderr];
  assert.ok(!after.some((l) => l.includes('reconnecting')), `no reconnect on a clean stop:\n${after.join('\n')}`);
  assert.ok(after.some((l) => l.includes('"stopped"')), after.join('\n'));
});
