// /metrics through the CLI after known traffic: exact counts and label sets of the seed's four names (Traefik v3's
// entrypoint series, Traefik v1's traefik_backend_* beside traefik_service_*), the certificates served from a file
// and from an ACME resolver's acme.json, series of removed routers and services gone after a reload, a dynamic
// file that cannot be read counted as a failed reload, and the process and event-loop metrics.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { generate } from 'selfsigned';
import { startBackend, type Backend } from '../../support/backends.js';
import { CliProcess, freePort, staticYaml, TempConfigDir } from '../../support/cli-process.js';
import { httpGet } from '../../support/load-client.js';

const DAY = 24 * 3600 * 1000;

async function certificate(cn: string, sans: string[], days: number): Promise<{ cert: string; key: string; x509: X509Certificate }> {
  const pems = await generate([{ name: 'commonName', value: cn }], {
    keySize: 2048,
    notBeforeDate: new Date(Date.now() - DAY),
    notAfterDate: new Date(Date.now() + days * DAY),
    extensions: [{ name: 'subjectAltName', altNames: sans.map((value) => ({ type: 2, value })) }],
  });
  return { cert: pems.cert, key: pems.private, x509: new X509Certificate(pems.cert) };
}

function dynamic(app: string, withOld: boolean, certFile: string, keyFile: string): string {
  return `http:
  routers:
    app:
      rule: Host(\`app.test\`)
      service: app
${withOld ? `    old:
      rule: Host(\`old.test\`)
      service: old
` : ''}  services:
    app:
      loadBalancer:
        servers:
          - url: ${app}
${withOld ? `    old:
      loadBalancer:
        healthCheck:
          path: /health
          interval: 100ms
        servers:
          - url: ${app}
` : ''}tls:
  certificates:
    - certFile: ${certFile}
      keyFile: ${keyFile}
`;
}

/** Every series line of one family (name followed by `{` or a space), in scrape order. */
function family(text: string, name: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

describe('metrics series through the CLI', () => {
  const dir = new TempConfigDir();
  const dynamicFile = dir.file('dynamic.yml');
  let proc: CliProcess;
  let web = 0;
  let metricsPort = 0;
  let app: Backend;
  let fileCert: X509Certificate;
  let acmeCert: X509Certificate;
  let write: (withOld: boolean) => void;
  const scrape = async (): Promise<string> => {
    const r = await httpGet(`http://127.0.0.1:${metricsPort}/metrics`);
    assert.equal(r.status, 200);
    return r.body;
  };

  before(async () => {
    app = await startBackend('app', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 3 });
      res.end('app');
    });
    const file = await certificate('file.test', ['b.test', 'a.test'], 200);
    fileCert = file.x509;
    const certFile = dir.write('file.crt', file.cert);
    const keyFile = dir.write('file.key', file.key);
    const acme = await certificate('acme.test', ['acme.test'], 60);
    acmeCert = acme.x509;
    const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
    // What Traefik leaves in acme.json; the resolver's CA refuses connections, and nothing asks it for a name.
    writeFileSync(dir.file('acme.json'), JSON.stringify({ le: { Account: null, Certificates: [{ domain: { main: 'acme.test' }, certificate: b64(acme.cert), key: b64(acme.key), Store: 'default' }] } }, null, 2), { mode: 0o600 });
    chmodSync(dir.file('acme.json'), 0o600);
    write = (withOld) => writeFileSync(dynamicFile, dynamic(app.url, withOld, certFile, keyFile));
    write(true);
    [web, metricsPort] = [await freePort(), await freePort()];
    const closedCa = `https://127.0.0.1:${await freePort()}/dir`;
    const extra = [
      'metrics:', '  prometheus:', '    entryPoint: metrics',
      'certificatesResolvers:', '  le:', '    acme:', '      email: ops@example.test', `      caServer: ${closedCa}`, `      storage: ${JSON.stringify(dir.file('acme.json'))}`, '      httpChallenge:', '        entryPoint: web',
    ].join('\n');
    dir.write('traefik.yml', staticYaml({ entryPoints: { web, metrics: metricsPort }, dynamicFile, extra }));
    proc = new CliProcess(['--configFile=traefik.yml'], { cwd: dir.path });
    await proc.waitListening(2);
    await proc.waitForLine('configuration applied');
  });
  after(async () => {
    await proc.stop();
    await app?.close();
    dir.remove();
  });

  it("the seed's four names after known traffic: exact counts and label sets, v1's backend series equal to the service series", async () => {
    for (let i = 0; i < 3; i++) assert.equal((await httpGet(`http://127.0.0.1:${web}/`, { host: 'app.test' })).status, 200);
    for (let i = 0; i < 2; i++) assert.equal((await httpGet(`http://127.0.0.1:${web}/`, { host: 'old.test' })).status, 200);
    assert.equal((await httpGet(`http://127.0.0.1:${web}/`, { host: 'nobody.test' })).status, 404);
    const text = await scrape();
    assert.deepEqual(family(text, 'traefik_entrypoint_requests_total'), [
      'traefik_entrypoint_requests_total{code="200",entrypoint="web",method="GET",protocol="http"} 5',
      'traefik_entrypoint_requests_total{code="404",entrypoint="web",method="GET",protocol="http"} 1',
    ]);
    assert.deepEqual(family(text, 'traefik_entrypoint_request_duration_seconds_count'), [
      'traefik_entrypoint_request_duration_seconds_count{code="200",entrypoint="web",method="GET",protocol="http"} 5',
      'traefik_entrypoint_request_duration_seconds_count{code="404",entrypoint="web",method="GET",protocol="http"} 1',
    ]);
    assert.deepEqual(family(text, 'traefik_service_requests_total'), [
      'traefik_service_requests_total{code="200",method="GET",protocol="http",service="app@file"} 3',
      'traefik_service_requests_total{code="200",method="GET",protocol="http",service="old@file"} 2',
    ]);
    assert.deepEqual(family(text, 'traefik_backend_requests_total'), [
      'traefik_backend_requests_total{backend="app@file",code="200",method="GET",protocol="http"} 3',
      'traefik_backend_requests_total{backend="old@file",code="200",method="GET",protocol="http"} 2',
    ]);
    // The same observations: every bucket, sum and count of the backend histogram is the service one's.
    const service = family(text, 'traefik_service_request_duration_seconds_bucket').concat(family(text, 'traefik_service_request_duration_seconds_sum'), family(text, 'traefik_service_request_duration_seconds_count'));
    const backend = family(text, 'traefik_backend_request_duration_seconds_bucket').concat(family(text, 'traefik_backend_request_duration_seconds_sum'), family(text, 'traefik_backend_request_duration_seconds_count'));
    assert.equal(backend.length, 2 * (5 + 2));
    assert.deepEqual(backend, service.map((line) => line.replace('traefik_service_', 'traefik_backend_').replace(/\{code="200",method="GET",protocol="http",service="([^"]+)"/, '{backend="$1",code="200",method="GET",protocol="http"')));
    assert.ok(backend.includes('traefik_backend_request_duration_seconds_bucket{backend="app@file",code="200",method="GET",protocol="http",le="+Inf"} 3'));
    assert.match(text, /^# TYPE traefik_backend_request_duration_seconds histogram$/m);
    assert.match(text, /^# TYPE traefik_backend_requests_total counter$/m);
  });

  it('traefik_tls_certs_not_after: the file certificate and the one from acme.json, with Traefik\'s labels (sans sorted, serial in decimal)', async () => {
    const text = await scrape();
    const line = (x509: X509Certificate, cn: string, sans: string): string =>
      `traefik_tls_certs_not_after{cn="${cn}",sans="${sans}",serial="${BigInt(`0x${x509.serialNumber}`).toString(10)}"} ${Math.floor(new Date(x509.validTo).getTime() / 1000)}`;
    assert.deepEqual(family(text, 'traefik_tls_certs_not_after').sort(), [line(acmeCert, 'acme.test', 'acme.test'), line(fileCert, 'file.test', 'a.test,b.test')].sort());
  });

  it('process and event-loop metrics are there', async () => {
    const text = await scrape();
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'process_open_fds', 'nodejs_eventloop_lag_seconds', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_heap_size_used_bytes']) {
      assert.equal(family(text, name).length, 1, name);
    }
  });

  it('a reload that removes a router and its service drops their series; what stays keeps counting', async () => {
    await new Promise((r) => setTimeout(r, 300)); // a health check of old@file has run
    const before = await scrape();
    assert.equal(family(before, 'traefik_service_server_up').length, 1, 'old@file is health-checked');
    const reloads = Number(family(before, 'traefik_config_reloads_total')[0]?.split(' ')[1]);
    write(false);
    const deadline = Date.now() + 5000;
    let text = before;
    while (Date.now() < deadline && Number(family(text, 'traefik_config_reloads_total')[0]?.split(' ')[1]) === reloads) {
      await new Promise((r) => setTimeout(r, 50));
      text = await scrape();
    }
    assert.doesNotMatch(text, /old@file/, 'no series names the removed router or service');
    assert.deepEqual(family(text, 'traefik_service_server_up'), []);
    assert.deepEqual(family(text, 'traefik_service_requests_total'), ['traefik_service_requests_total{code="200",method="GET",protocol="http",service="app@file"} 3']);
    assert.deepEqual(family(text, 'traefik_backend_requests_total'), ['traefik_backend_requests_total{backend="app@file",code="200",method="GET",protocol="http"} 3']);
    assert.equal((await httpGet(`http://127.0.0.1:${web}/`, { host: 'app.test' })).status, 200);
    assert.deepEqual(family(await scrape(), 'traefik_service_requests_total'), ['traefik_service_requests_total{code="200",method="GET",protocol="http",service="app@file"} 4']);
  });

  it('a dynamic file that cannot be read counts a failed reload (Traefik v2\'s names), and the last good one stays', async () => {
    const before = await scrape();
    assert.deepEqual(family(before, 'traefik_config_reloads_failure_total'), ['traefik_config_reloads_failure_total 0']);
    writeFileSync(dynamicFile, 'http:\n  routers: [unclosed\n');
    const deadline = Date.now() + 5000;
    let text = before;
    while (Date.now() < deadline && family(text, 'traefik_config_reloads_failure_total')[0] === 'traefik_config_reloads_failure_total 0') {
      await new Promise((r) => setTimeout(r, 50));
      text = await scrape();
    }
    assert.deepEqual(family(text, 'traefik_config_reloads_failure_total'), ['traefik_config_reloads_failure_total 1']);
    const failedAt = Number(family(text, 'traefik_config_last_reload_failure')[0]?.split(' ')[1]);
    const appliedAt = Number(family(text, 'traefik_config_last_reload_success')[0]?.split(' ')[1]);
    assert.ok(failedAt >= appliedAt && Math.abs(failedAt - Date.now() / 1000) < 60, `failure ${failedAt}, success ${appliedAt}`);
    assert.equal((await httpGet(`http://127.0.0.1:${web}/`, { host: 'app.test' })).status, 200, 'the last good configuration still serves');
  });
});
