// Repeated scale cycles under continuous load, as an independent check ran them: 3 replicas of an app
// with a Docker HEALTHCHECK, scaled 3 → 6 → 1 → 3 several times while 8 keep-alive clients and 2
// one-request-per-connection clients send GETs the whole time, pe-edge on the host following the engine.
// Once against an app that exits at once on SIGTERM (closing every connection it holds), once against
// one that drains for 3 s first. Every request must be answered 200; the counts are reported per phase.
//
// PE_EDGE_E2E_SCALE_CYCLES (default 3) sets the number of cycles.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeStats, startLoad, type LoadStats } from '../support/load-client.js';
import { IMAGES, dockerScope, ensureImages, requireDocker, waitFor } from './support/docker-env.js';
import { hostnameOf, sleep, startEdgeOnHost, viaEdge } from './support/edge-on-host.js';
import { GRACEFUL_WHOAMI } from './support/graceful-whoami.js';

const CYCLES = Number(process.env.PE_EDGE_E2E_SCALE_CYCLES ?? 3);

/** The image's health check with 5 s to answer instead of 1.5 s (no `$`: compose would interpolate it). */
const PATIENT_HEALTH_CHECK = "fetch('http://127.0.0.1:80/health', { signal: AbortSignal.timeout(5000) }).then((r) => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1))";

interface Phase {
  name: string;
  total: number;
  failed: number;
}

/** Requests answered (or failed) and failures since the last call, across both loads. */
function phaseCounter(loads: readonly LoadStats[]): (name: string) => Phase {
  let total = 0;
  let ok = 0;
  const done = (l: LoadStats): number => l.ok + l.errors.length + [...l.bad.values()].reduce((s, b) => s + b.count, 0);
  return (name) => {
    const nowTotal = loads.reduce((s, l) => s + done(l), 0);
    const nowOk = loads.reduce((s, l) => s + l.ok, 0);
    const phase = { name, total: nowTotal - total, failed: nowTotal - total - (nowOk - ok) };
    total = nowTotal;
    ok = nowOk;
    return phase;
  };
}

for (const stopDelayMs of [0, 3000]) {
  const app = stopDelayMs === 0 ? 'an app that exits at once on SIGTERM' : `an app that drains ${stopDelayMs} ms on SIGTERM`;
  test(`${CYCLES} cycles of 3 → 6 → 1 → 3 replicas under load, ${app}: every request answered 200`, { timeout: 120_000 + CYCLES * 90_000 }, async (t) => {
    if (!(await requireDocker(t))) return;
    await ensureImages();
    const scope = dockerScope(t);
    const yaml = [
      'version: "3.8"',
      'services:',
      '  app:',
      `    image: "${IMAGES.whoamiHc}"`,
      `    entrypoint: ["node", "-e", ${JSON.stringify(GRACEFUL_WHOAMI)}]`,
      '    environment:',
      `      STOP_DELAY_MS: "${stopDelayMs}"`,
      '    stop_grace_period: 10s',
      // The image's check (every 1 s, its request aborted at 1.5 s) with more patience: 6 node apps, their
      // checks (a node process each), the edge and the load share 2 cores here, and the one replica left at
      // 6 → 1 takes all the load; a replica Docker marks unhealthy is left out (404 once none is left, as in
      // Traefik), which is not what this test is about.
      '    healthcheck:',
      `      test: ["CMD", "node", "-e", ${JSON.stringify(PATIENT_HEALTH_CHECK)}]`,
      '      interval: 2s',
      '      timeout: 6s',
      '      retries: 5',
      '    labels:',
      '      traefik.enable: "true"',
      '      traefik.http.routers.app.rule: "Host(`cycles.test`)"',
      '      traefik.http.services.app.loadbalancer.server.port: "80"',
      '',
    ].join('\n');
    const project = scope.compose(`cycles${stopDelayMs}`, yaml);
    await project.up();
    await project.scale('app', 3);
    const healthy = async (n: number): Promise<void> => {
      let last = '';
      await waitFor(`${n} healthy replicas`, async () => {
        const ps = await project.ps();
        last = ps.map((c) => `${c.name} ${c.state}/${c.health ?? '-'}`).join(', ');
        return ps.length === n && ps.every((c) => c.health === 'healthy') ? true : undefined;
      }, { timeoutMs: 60_000, intervalMs: 250 }).catch((err: unknown) => {
        throw new Error(`${err instanceof Error ? err.message : String(err)}; last seen: ${last}`);
      });
    };
    await healthy(3);
    const edge = await startEdgeOnHost(t, { network: `${project.name}_default` });
    await waitFor('3 replicas routed', async () => {
      const seen = new Set<string>();
      for (let i = 0; i < 12; i++) {
        const r = await viaEdge(edge, 'cycles.test').catch(() => undefined);
        const host = r?.status === 200 ? hostnameOf(r.body) : undefined;
        if (host !== undefined) seen.add(host);
      }
      return seen.size === 3 ? true : undefined;
    }, { timeoutMs: 10_000, intervalMs: 100 });

    // Continuous, with a 1 ms pause per client so the replicas' health checks still get CPU on 2 cores.
    const keepAlive = startLoad(`${edge.url}/`, { host: 'cycles.test', concurrency: 8, timeoutMs: 5000, pauseMs: 1 });
    const fresh = startLoad(`${edge.url}/`, { host: 'cycles.test', concurrency: 2, timeoutMs: 5000, fresh: true, pauseMs: 1 });
    let loading = true;
    t.after(async () => { if (loading) await Promise.all([keepAlive.stop(), fresh.stop()]); });
    const phase = phaseCounter([keepAlive.stats, fresh.stats]);
    const phases: Phase[] = [];
    await sleep(500);
    phases.push(phase('steady at 3'));
    for (let cycle = 1; cycle <= CYCLES; cycle++) {
      await project.scale('app', 6);
      await healthy(6);
      await sleep(1500); // routed by now (health_status: healthy joins at once), then steady traffic on 6
      phases.push(phase(`#${cycle} 3→6`));
      await project.scale('app', 1);
      await sleep(1000);
      phases.push(phase(`#${cycle} 6→1`));
      await project.scale('app', 3);
      await healthy(3);
      await sleep(1000);
      phases.push(phase(`#${cycle} 1→3`));
    }
    loading = false;
    const stats = await Promise.all([keepAlive.stop(), fresh.stop()]);
    phases.push(phase('end'));
    const total = phases.reduce((s, p) => s + p.total, 0);
    const failed = phases.reduce((s, p) => s + p.failed, 0);
    t.diagnostic(`STOP_DELAY_MS=${stopDelayMs}: ${total} requests, ${failed} not 200; ${phases.map((p) => `${p.name}: ${p.failed}/${p.total}`).join(', ')}`);
    for (const s of stats) {
      assert.equal(s.errors.length, 0, describeStats(s));
      assert.equal(s.bad.size, 0, describeStats(s));
    }
    assert.equal(failed, 0);
    assert.ok(total > 1000, `the load ran (${total} requests)`);
  });
}
