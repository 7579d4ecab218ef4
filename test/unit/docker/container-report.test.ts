// What the Docker provider logs about containers left out for their labels: whether another replica of the
// service still serves, or every replica is out and nothing of the service is routed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DockerProviderOptions } from '../../../operator/providers/docker/container-config.js';
import { ContainerConfigs } from '../../../operator/providers/docker/container-configs.js';
import { ContainerReport } from '../../../operator/providers/docker/container-report.js';
import type { ContainerView } from '../../../operator/providers/docker/container-view.js';
import type { ProviderLog } from '../../../operator/providers/docker/docker-provider.js';

const options: DockerProviderOptions = { exposedByDefault: false, network: '', useBindPortIP: false, defaultRule: 'Host(`{{ normalize .Name }}`)', allowEmptyServices: false };
const GOOD = { 'traefik.enable': 'true', 'traefik.http.routers.app.rule': 'Host(`app.test`)' };
const TYPO = { 'traefik.enable': 'true', 'traefik.http.routers.app.rulle': 'Host(`app.test`)' };

function replica(n: number, labels: Record<string, string>): ContainerView {
  return {
    id: `id-app-${n}`, name: `shop-app-${n}`, running: true, paused: false, health: null, networkMode: 'bridge',
    labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'app', ...labels },
    networks: { bridge: { ip: `10.0.0.${n}`, ipv6: '' } }, ports: [80], bindings: {},
  };
}

/** The provider's log, as lines: level and message. */
function recordingLog(): { log: ProviderLog; lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (msg: string) => void lines.push(`${level} ${msg}`);
  return { lines, log: { info: at('info'), warn: at('warn'), error: at('error') } };
}

const leftOutLines = (lines: string[]) => lines.filter((l) => l.includes(' left out: '));

test('every replica of a service has the typo: each says so, not that others keep serving', () => {
  const { log, lines } = recordingLog();
  new ContainerReport(log).report(new ContainerConfigs(options).results([replica(1, TYPO), replica(2, TYPO), replica(3, TYPO)]));
  const out = leftOutLines(lines);
  assert.equal(out.length, 3, lines.join('\n'));
  for (const l of out) {
    assert.match(l, /^error container shop-app-\d left out: 1 label error\(s\); every replica of service "app-shop" is left out \(3 of 3\): nothing of it is routed/);
    assert.doesNotMatch(l, /keep serving/);
  }
});

test('a single container with a typo is every replica of its service', () => {
  const { log, lines } = recordingLog();
  new ContainerReport(log).report(new ContainerConfigs(options).results([replica(1, TYPO)]));
  assert.match(leftOutLines(lines)[0] ?? '', /every replica of service "app-shop" is left out \(1 of 1\)/);
});

test('one replica with a typo beside good ones (a rolling update): the good replicas keep serving', () => {
  const { log, lines } = recordingLog();
  new ContainerReport(log).report(new ContainerConfigs(options).results([replica(1, GOOD), replica(2, TYPO), replica(3, GOOD)]));
  const out = leftOutLines(lines);
  assert.equal(out.length, 1, lines.join('\n'));
  assert.match(out[0] ?? '', /container shop-app-2 left out: .*; 2 other replica\(s\) of service "app-shop" keep serving/);
});

test('reported once: the same results again log nothing', () => {
  const { log, lines } = recordingLog();
  const report = new ContainerReport(log);
  const configs = new ContainerConfigs(options);
  report.report(configs.results([replica(1, TYPO)]));
  const count = lines.length;
  report.report(configs.results([replica(1, TYPO)]));
  assert.equal(lines.length, count);
});
