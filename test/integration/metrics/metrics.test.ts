// metrics.prometheus end to end through the CLI: Traefik's series names, labels and values on the
// metrics entrypoint's /metrics, reload counting, health-check server_up, and /metrics not counting itself.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startBackend, type Backend } from '../../support/backends.js';
import { CliProcess, freePort, staticYaml, TempConfigDir } from '../../support/cli-process.js';
import { httpGet } from '../../support/load-client.js';

function dynamic(app: string, dead: string, checked: string, extraRouter = ''): string {
  return `http:
  routers:
    app:
      rule: Host(\`app.test\`)
      service: app
    dead:
      rule: Host(\`dead.test\`)
      service: dead
      middlewares: [retry3]
    checked:
      rule: Host(\`checked.test\`)
      service: checked
${extraRouter}  middlewares:
    retry3:
      retry:
        attempts: 3
        initialInterval: 1ms
  services:
    app:
      loadBalancer:
        servers:
          - url: ${app}
    dead:
      loadBalancer:
        servers:
          - url: ${dead}
    checked:
      loadBalancer:
        healthCheck:
          path: /health
          interval: 100ms
          timeout: 500ms
        servers:
          - url: ${checked}
`;
}

/** The value of one exact series line, undefined when absent. */
function series(text: string, name: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(name + ' ')) return Number(line.slice(name.length + 1));
  }
  return undefined;
}

describe('metrics.prometheus on its entrypoint', () => {
  const dir = new TempConfigDir();
  const dynamicFile = dir.file('dynamic.yml');
  let proc: CliProcess;
  let web = 0;
  let metricsPort = 0;
  let app: Backend;
  let sick: Backend;
  let deadUrl = '';
  const scrape = async (): Promise<string> => {
    const r = await httpGet(`http://127.0.0.1:${metricsPort}/metrics`);
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    return r.body;
  };
  const waitFor = async (cond: (text: string) => boolean, what: string): Promise<string> => {
    const deadline = Date.now() + 5000;
    let text = '';
    while (Date.now() < deadline) {
      text = await scrape();
      if (cond(text)) return text;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail(`${what}; last scrape:\n${text}`);
  };

  before(async () => {
    // Response bytes come from Content-Length (chunked bodies count 0 in pe-edge).
    app = await startBackend('app', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 3 });
      res.end('app');
    });
    sick = await startBackend('sick', (req, res) => {
      res.writeHead(req.url === '/health' ? 500 : 200, { 'content-length': 0 });
      res.end();
    });
    deadUrl = `http://127.0.0.1:${await freePort()}`;
    [web, metricsPort] = [await freePort(), await freePort()];
    writeFileSync(dynamicFile, dynamic(app.url, deadUrl, sick.url));
    const extra = ['metrics:', '  prometheus:', '    entryPoint: metrics', '    addEntryPointsLabels: true', '    addServicesLabels: true'].join('\n');
    dir.write('traefik.yml', staticYaml({ entryPoints: { web, metrics: metricsPort }, dynamicFile, extra }));
    proc = new CliProcess(['--configFile=traefik.yml'], { cwd: dir.path });
    await proc.waitListening(2);
    await proc.waitForLine('configuration applied');
  });
  after(async () => {
    await proc.stop();
    await Promise.all([app, sick].map((b) => b?.close()));
    dir.remove();
  });

  it('counts requests per entrypoint and service with Traefik names and labels, and not /metrics itself', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await httpGet(`http://127.0.0.1:${web}/`, { host: 'app.test' })).status, 200);
    assert.equal((await httpGet(`http://127.0.0.1:${web}/`, { host: 'nobody.test' })).status, 404);
    assert.equal((await httpGet(`http://127.0.0.1:${web}/`, { host: 'dead.test' })).status, 502);
    await scrape();
    const text = await scrape();

    assert.equal(series(text, 'traefik_entrypoint_requests_total{code="200",entrypoint="web",method="GET",protocol="http"}'), 3);
    assert.equal(series(text, 'traefik_entrypoint_requests_total{code="404",entrypoint="web",method="GET",protocol="http"}'), 1);
    assert.equal(series(text, 'traefik_entrypoint_requests_total{code="502",entrypoint="web",method="GET",protocol="http"}'), 1);
    assert.equal(series(text, 'traefik_entrypoint_request_duration_seconds_count{code="200",entrypoint="web",method="GET",protocol="http"}'), 3);
    assert.equal(series(text, 'traefik_entrypoint_request_duration_seconds_bucket{code="200",entrypoint="web",method="GET",protocol="http",le="+Inf"}'), 3);
    for (const le of ['0.1', '0.3', '1.2', '5']) {
      assert.notEqual(series(text, `traefik_entrypoint_request_duration_seconds_bucket{code="200",entrypoint="web",method="GET",protocol="http",le="${le}"}`), undefined, `bucket ${le}`);
    }
    assert.equal(series(text, 'traefik_entrypoint_responses_bytes_total{code="200",entrypoint="web",method="GET",protocol="http"}'), 9, '3 x "app"');
    assert.equal(series(text, 'traefik_service_requests_total{code="200",method="GET",protocol="http",service="app@file"}'), 3);
    assert.equal(series(text, 'traefik_service_requests_total{code="502",method="GET",protocol="http",service="dead@file"}'), 1);
    assert.equal(series(text, 'traefik_service_retries_total{service="dead@file"}'), 2, 'retry attempts: 3 = 2 retries');
    assert.equal(series(text, 'traefik_service_request_duration_seconds_count{code="200",method="GET",protocol="http",service="app@file"}'), 3);
    assert.doesNotMatch(text, /^traefik_router_/m, 'no router metrics without addRoutersLabels');
    assert.doesNotMatch(text, /entrypoint="metrics",method/, 'scrapes of /metrics (prometheus@internal) are not counted');
    assert.doesNotMatch(text, /service="prometheus@internal"/);
    assert.ok((series(text, 'traefik_open_connections{entrypoint="metrics",protocol="TCP"}') ?? 0) >= 1, 'the scrape connection is open');
    assert.equal(series(text, 'traefik_open_connections{entrypoint="web",protocol="TCP"}') !== undefined, true);
    assert.match(text, /^process_cpu_user_seconds_total /m);
  });

  it('sets traefik_service_server_up to 0 for a server failing its health check', async () => {
    await waitFor((t) => series(t, `traefik_service_server_up{service="checked@file",url="${sick.url}"}`) === 0, 'server_up 0 for the sick server');
  });

  it('counts a configuration reload after the dynamic file changes', async () => {
    const before = series(await scrape(), 'traefik_config_reloads_total') ?? NaN;
    assert.ok(before >= 1, `reloads so far: ${before}`);
    const stamp = series(await scrape(), 'traefik_config_last_reload_success') ?? 0;
    assert.ok(Math.abs(stamp - Date.now() / 1000) < 60, `last reload success is a unix timestamp: ${stamp}`);
    writeFileSync(dynamicFile, dynamic(app.url, deadUrl, sick.url, '    other:\n      rule: Host(`other.test`)\n      service: app\n'));
    await waitFor((t) => series(t, 'traefik_config_reloads_total') === before + 1, 'one more reload');
  });
});
