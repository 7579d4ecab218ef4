// TCP and UDP routers from Docker labels on real containers: a container with only `traefik.tcp.*` labels is reached through
// pe-edge's TCP entrypoint (a server-first protocol: the backend speaks first, as MySQL, Redis's banner or SMTP do),
// gets no HTTP router, and `pe-edge check --docker` lists its TCP router and service as Traefik's rawdata does.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { test } from 'node:test';
import { freePort } from '../support/cli-process.js';
import { IMAGES, dockerScope, ensureImages, requireDocker, waitFor } from './support/docker-env.js';
import { runPeEdge, startEdgeOnHost, viaEdge } from './support/edge-on-host.js';

/** A TCP server that greets with its hostname, then echoes every line upper-cased. */
const ECHO_SERVER = [
  "const net = require('node:net'); const os = require('node:os');",
  "net.createServer((s) => { s.write('hello from ' + os.hostname() + '\\n'); s.on('data', (d) => s.write(String(d).toUpperCase())); s.on('error', () => {}); }).listen(7000);",
].join(' ');

/** Connects, reads the greeting, sends `line`, reads its echo. */
function converse(port: number, line: string): Promise<{ greeting: string; echo: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    let sent = false;
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`no full answer within 3 s: ${JSON.stringify(text)}`)); }, 3000);
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      text += d;
      const lines = text.split('\n');
      if (!sent && lines.length > 1) {
        sent = true;
        socket.write(`${line}\n`);
      }
      if (lines.length > 2) {
        clearTimeout(timer);
        socket.end();
        resolve({ greeting: lines[0] as string, echo: lines[1] as string });
      }
    });
    socket.on('error', (err) => { clearTimeout(timer); reject(err); });
  });
}

test('a container with only TCP labels is routed on the TCP entrypoint, server-first, and gets no HTTP router', { timeout: 90_000 }, async (t) => {
  if (!(await requireDocker(t))) return;
  await ensureImages();
  const scope = dockerScope(t);
  const network = await scope.network();
  const tcpPort = await freePort();
  const edge = await startEdgeOnHost(t, { network, entryPoints: { echo: tcpPort } });
  await scope.run({
    image: IMAGES.whoami, network, hostname: 'tcp-echo', entrypoint: 'node', args: ['-e', ECHO_SERVER],
    labels: {
      'traefik.enable': 'true',
      'traefik.tcp.routers.echo.rule': 'HostSNI(`*`)',
      'traefik.tcp.routers.echo.entrypoints': 'echo',
      'traefik.tcp.services.echo.loadbalancer.server.port': '7000',
    },
  });

  const answer = await waitFor('TCP router served', () => converse(tcpPort, 'ping').catch(() => undefined), { timeoutMs: 15_000, intervalMs: 200 });
  assert.equal(answer.greeting, 'hello from tcp-echo', 'the backend spoke first, through pe-edge');
  assert.equal(answer.echo, 'PING');

  // No default HTTP router for a TCP-only container: the web entrypoint has nothing to serve.
  assert.equal((await viaEdge(edge, 'tcp-echo')).status, 404);
  const check = await runPeEdge(['check', '--docker', `--configFile=${edge.configFile}`, '--json'], 30_000);
  const report = JSON.parse(check.stdout) as { tcpRouters?: Record<string, { service?: string; rule?: string }>; tcpServices?: Record<string, unknown>; routers?: Record<string, unknown> };
  assert.equal(report.tcpRouters?.['echo@docker']?.rule, 'HostSNI(`*`)', check.stdout.slice(0, 2000));
  assert.ok(report.tcpServices?.['echo@docker'] !== undefined, 'the TCP service is listed');
  assert.ok(!Object.keys(report.routers ?? {}).some((name) => name.includes('tcp-echo') || name.startsWith('echo')), 'no HTTP router was made for it');
});

/** A UDP server that answers each datagram with its hostname and the datagram upper-cased. */
const UDP_ECHO_SERVER = [
  "const dgram = require('node:dgram'); const os = require('node:os'); const s = dgram.createSocket('udp4');",
  "s.on('message', (m, r) => s.send(os.hostname() + ':' + String(m).toUpperCase(), r.port, r.address)); s.bind(5300);",
].join(' ');

/** One datagram to `port`, its answer (or undefined after 500 ms). */
function ask(port: number, text: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    const done = (answer: string | undefined): void => { clearTimeout(timer); socket.close(); resolve(answer); };
    const timer = setTimeout(() => done(undefined), 500);
    socket.on('message', (m) => done(String(m)));
    socket.on('error', () => done(undefined));
    socket.send(text, port, '127.0.0.1');
  });
}

test('a container with only UDP labels is served on the UDP entrypoint, replicas balanced per client', { timeout: 90_000 }, async (t) => {
  if (!(await requireDocker(t))) return;
  await ensureImages();
  const scope = dockerScope(t);
  const network = await scope.network();
  const udpPort = await freePort();
  const edge = await startEdgeOnHost(t, { network, udpEntryPoints: { dns: udpPort } });
  const labels = {
    'traefik.enable': 'true',
    'traefik.udp.routers.echo.entrypoints': 'dns',
    'traefik.udp.services.echo.loadbalancer.server.port': '5300',
  };
  for (const hostname of ['udp-a', 'udp-b']) {
    await scope.run({ image: IMAGES.whoami, network, hostname, entrypoint: 'node', args: ['-e', UDP_ECHO_SERVER], labels: { ...labels, 'com.docker.compose.service': 'udp-echo' } });
  }
  const first = await waitFor('UDP router served', () => ask(udpPort, 'ping'), { timeoutMs: 15_000, intervalMs: 200 });
  assert.match(first, /^udp-[ab]:PING$/, 'the datagram went through pe-edge to a container and back');
  // Each new client (a new source port) is a new session, balanced over the replicas; both answer in time.
  const seen = new Set<string>();
  for (let i = 0; i < 12 && seen.size < 2; i++) {
    const answer = await ask(udpPort, `n${i}`);
    if (answer !== undefined) seen.add(answer.split(':')[0] as string);
  }
  assert.deepEqual([...seen].sort(), ['udp-a', 'udp-b'], 'sessions reach both replicas');
  assert.equal((await viaEdge(edge, 'udp-a')).status, 404, 'no HTTP router for a UDP-only container');
});
