// Event-to-route: how long after Docker's `start` event a new labelled container is routed by pe-edge.
//
//   npx tsc -b && node dist/test/bench/event-to-route.js [count=20]
//
// Starts pe-edge on the host (the compiled CLI next to this file) with the docker provider, then
// starts `count` labelled whoami containers one after another, each with its own Host rule. For each,
// a keep-alive client polls the proxy with that Host every 2 ms from before `docker run`, and the
// times are taken against the `start` event's timeNano (docker events, same host clock):
//   route    first answer that is not 404: the router exists (a 502 while the app is still booting)
//   200      first 200 from that container: route + the app's own start-up (node listening)
//   app      when whoami logged "listening" (docker logs -t): the app's share, not pe-edge's
// Prints p50 / p99 / max against the goal (route p50 < 100 ms, p99 < 500 ms) and Traefik's
// default 2 s providers throttle. Everything it creates is removed at the end (or on Ctrl-C).
import { Agent, request } from 'undici';
import { CliProcess, TempConfigDir, freePort } from '../support/cli-process.js';
import { IMAGES, createNetwork, docker, dockerRun, ensureImages, newTestId, removeByTestId } from '../e2e/support/docker-env.js';
import { followDockerEvents, hostEdgeYaml, hostnameOf, sleep } from '../e2e/support/edge-on-host.js';

const COUNT = Number(process.argv[2] ?? 20);
const POLL_MS = 2;
const LIMIT_MS = 10_000;

interface Row { i: number; route: number; ok: number; app: number }

function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
}

async function main(): Promise<void> {
  await ensureImages();
  const testId = newTestId();
  const dir = new TempConfigDir();
  let edge: CliProcess | undefined;
  const events = followDockerEvents();
  const agent = new Agent({ connections: 1, keepAliveTimeout: 30_000 });
  const cleanup = async (): Promise<void> => {
    events.stop();
    await edge?.stop();
    await agent.close().catch(() => undefined);
    await removeByTestId(testId);
    dir.remove();
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
  try {
    const network = await createNetwork(testId);
    const port = await freePort();
    const configFile = dir.write('traefik.yml', hostEdgeYaml(port, { network }));
    edge = new CliProcess([`--configFile=${configFile}`], { cwd: dir.path });
    await edge.waitListening(1, 20_000);
    await events.ready;
    const rows: Row[] = [];
    for (let i = 1; i <= COUNT; i++) {
      const host = `bench-${i}.test`;
      const hostname = `bench-${testId}-${i}`.slice(0, 63);
      let routeAt: number | undefined;
      let okAt: number | undefined;
      let polling = true;
      const poll = (async () => {
        const deadline = Date.now() + LIMIT_MS;
        while (polling && okAt === undefined && Date.now() < deadline) {
          try {
            const res = await request(`http://127.0.0.1:${port}/`, { dispatcher: agent, headers: { host }, headersTimeout: 2000, bodyTimeout: 2000 });
            const body = await res.body.text();
            const at = Date.now();
            if (res.statusCode !== 404 && routeAt === undefined) routeAt = at;
            if (res.statusCode === 200 && hostnameOf(body) === hostname) okAt = at;
          } catch {
            // not yet
          }
          await sleep(POLL_MS);
        }
      })();
      const c = await dockerRun(testId, {
        image: IMAGES.whoami, network, hostname,
        labels: { 'traefik.enable': 'true', [`traefik.http.routers.b${i}.rule`]: `Host(\`${host}\`)`, [`traefik.http.services.b${i}.loadbalancer.server.port`]: '80' },
      });
      await poll;
      polling = false;
      const start = await events.waitFor((e) => e.id === c.id && e.action === 'start', 5000);
      const logged = /^(\S+) whoami .* listening/m.exec(await docker(['logs', '-t', c.id]))?.[1];
      if (routeAt === undefined || okAt === undefined) throw new Error(`${host}: not routed within ${LIMIT_MS} ms`);
      rows.push({ i, route: routeAt - start.timeMs, ok: okAt - start.timeMs, app: logged !== undefined ? Date.parse(logged) - start.timeMs : NaN });
      process.stderr.write(`  #${i}: route ${(routeAt - start.timeMs).toFixed(0)} ms, 200 ${(okAt - start.timeMs).toFixed(0)} ms\n`);
    }
    const col = (k: 'route' | 'ok' | 'app'): number[] => rows.map((r) => r[k]).filter((v) => Number.isFinite(v));
    const f = (v: number): string => `${v.toFixed(0)} ms`;
    const lines = [
      `## event-to-route (${COUNT} containers started one after another, poll every ${POLL_MS} ms)`,
      '',
      '| measure (from the `start` event) | p50 | p99 | max |',
      '|---|---|---|---|',
      `| pe-edge route in place (first non-404) | ${f(pct(col('route'), 50))} | ${f(pct(col('route'), 99))} | ${f(Math.max(...col('route')))} |`,
      `| first 200 from the container | ${f(pct(col('ok'), 50))} | ${f(pct(col('ok'), 99))} | ${f(Math.max(...col('ok')))} |`,
      `| whoami listening (the app's own start-up) | ${f(pct(col('app'), 50))} | ${f(pct(col('app'), 99))} | ${f(Math.max(...col('app')))} |`,
      '',
      `goal (route): p50 < 100 ms ${pct(col('route'), 50) < 100 ? 'MET' : 'NOT MET'}, p99 < 500 ms ${pct(col('route'), 99) < 500 ? 'MET' : 'NOT MET'}; ` +
        `Traefik for reference: providers throttled for 2000 ms by default (providersThrottleDuration)`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    await cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
