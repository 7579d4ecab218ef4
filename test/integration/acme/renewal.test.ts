// Renewal end to end: pebble issues certificates that live a minute, pe-edge's CLI renews them on its schedule while
// HTTPS traffic flows, and what a user sees (the served certificate, the logs, the prometheus metric) follows.
import assert from 'node:assert/strict';
import http from 'node:http';
import { before, describe, it } from 'node:test';
import { acmeSuite, httpsLoad, peerCertificate, servedCertificate, waitForCertificate, type AcmeRig, type EdgeFiles } from '../../support/acme-edge.js';
import { freePort, type CliProcess } from '../../support/cli-process.js';
import { pebbleInstalled } from '../../support/pebble.js';

const skip = pebbleInstalled() ? false : 'Debian package pebble is not installed (.ci/run installs it)';

/** Lifetime of pebble's certificates here, seconds: far inside the 20 min renew period of certificatesDuration 1. */
const VALIDITY_S = 60;

// certificatesDuration 1 (hour): Traefik renews 20 min before expiry, so every check renews a 60 s certificate;
// the explicit schedule checks every 5 s, its first check at once.
const renewingResolver = { httpChallenge: { entryPoint: 'web' }, certificatesDuration: 1, renewSchedule: '*/5 * * * * *' };

const router = (host: string): Record<string, unknown> => ({ rule: `Host(\`${host}\`)`, entryPoints: ['websecure'], service: 'app', tls: { certResolver: 'le' } });

describe('ACME renewal against pebble (certificates valid 60 s)', { skip }, () => {
  const suite = acmeSuite({ certificateValidityPeriod: VALIDITY_S });
  let rig: AcmeRig;
  before(() => {
    rig = suite.rig;
  });
  const edge = (files: EdgeFiles, env: NodeJS.ProcessEnv = {}): Promise<CliProcess> => suite.edge(files, env);

  it('each check renews the short-lived certificate; the served serial changes while HTTPS requests run, none fails', async () => {
    const proc = await edge({ resolvers: { le: renewingResolver }, routers: { app: router('renew.test') } });
    const first = await waitForCertificate(rig, proc, 'renew.test', (c) => c.trusted);
    const lifetime = first.notAfter.getTime() - Date.now();
    assert.ok(lifetime > 0 && lifetime <= VALIDITY_S * 1000, `pebble issued a ${VALIDITY_S} s certificate (expires in ${lifetime} ms)`);

    const load = await httpsLoad(rig, 'renew.test', 15_000);
    assert.equal(load.failed, 0, `failed requests during renewals: ${load.errors.join('; ')}\n${proc.output()}`);
    assert.ok(load.ok >= 50, `a real load ran (${load.ok} requests)`);
    const renewed = load.serials.filter((serial) => serial !== first.serial);
    assert.ok(renewed.length >= 1, `new connections saw a renewed certificate (serials seen: ${load.serials.join(', ')})\n${proc.output()}`);

    const now = await servedCertificate(rig, 'renew.test');
    assert.ok(now.trusted && now.serial !== first.serial && now.notAfter > first.notAfter, 'the renewed certificate is served');
    assert.deepEqual(now.names, ['renew.test']);

    const messages = proc.messages();
    assert.ok(messages.includes('Ordering ACME certificate renewal'), proc.output());
    assert.ok(messages.includes('ACME certificate renewed'), proc.output());
    assert.equal(messages.filter((m) => m.startsWith('Unable to obtain ACME certificate')).length, 0, proc.output());
    // A renewal in flight is never ordered again by the next tick: orderings and completions alternate.
    const steps = messages.filter((m) => m === 'Ordering ACME certificate renewal' || m === 'ACME certificate renewed');
    steps.forEach((step, i) => assert.equal(step, i % 2 === 0 ? 'Ordering ACME certificate renewal' : 'ACME certificate renewed', `renewal steps overlap: ${steps.join(' / ')}`));
    assert.equal(messages.filter((m) => m === 'Ordering ACME certificate').length, 1, 'one first order, then renewals only');
    assert.equal(messages.filter((m) => m === 'ACME account registered').length, 1, 'renewals reuse the account');
  });

  it('traefik_tls_certs_not_after shows the issued certificate (decimal serial, NotAfter in unix seconds) and follows a renewal', async () => {
    const metricsPort = await freePort();
    const proc = await edge({
      resolvers: { le: renewingResolver },
      routers: { app: router('metrics.test') },
      entryPoints: { metrics: metricsPort },
      staticConfig: { metrics: { prometheus: { entryPoint: 'metrics' } } },
    });
    const first = await waitForCertificate(rig, proc, 'metrics.test', (c) => c.trusted);
    const decimal = (hex: string): string => BigInt(`0x${hex}`).toString(10);

    // The served certificate and the scrape agree (a renewal may land in between: try again then).
    const matchServed = async (what: string, ok: (served: Awaited<ReturnType<typeof servedCertificate>>) => boolean): Promise<{ served: Awaited<ReturnType<typeof servedCertificate>>; series: CertSeries[] }> => {
      const deadline = Date.now() + 20_000;
      let last = '';
      while (Date.now() < deadline) {
        const before = await servedCertificate(rig, 'metrics.test');
        const series = (await scrape(metricsPort)).filter((s) => s.labels['cn'] === 'metrics.test');
        const after = await servedCertificate(rig, 'metrics.test');
        if (before.serial === after.serial && ok(after)) return { served: after, series };
        last = JSON.stringify(series);
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`${what}: no stable scrape; last series ${last}\n${proc.output()}`);
    };

    const issued = await matchServed('first certificate', (served) => served.serial === first.serial);
    assert.deepEqual(issued.series, [{
      labels: { cn: 'metrics.test', serial: decimal(first.serial), sans: 'metrics.test' },
      value: Math.floor(first.notAfter.getTime() / 1000),
    }]);

    const later = await matchServed('renewed certificate', (served) => served.trusted && served.serial !== first.serial);
    assert.deepEqual(later.series, [{
      labels: { cn: 'metrics.test', serial: decimal(later.served.serial), sans: 'metrics.test' },
      value: Math.floor(later.served.notAfter.getTime() / 1000),
    }], 'only the served certificate is reported: the replaced one is gone');
    assert.ok(later.series[0] !== undefined && later.series[0].value > Math.floor(first.notAfter.getTime() / 1000));
  });

  // Last: it stops this rig's pebble.
  it('a renewal that failed waits for its retry: the next checks do not ask the CA again meanwhile, and the certificate stays served', async () => {
    const proc = await edge({
      resolvers: { le: { ...renewingResolver, renewSchedule: '*/2 * * * * *' } },
      routers: { app: router('outage.test') },
    }, { PE_EDGE_ACME_RETRY_BASE: '30s' });
    await waitForCertificate(rig, proc, 'outage.test', (c) => c.trusted);
    await rig.pebble.stop();

    const failed = (): number => proc.messages().findIndex((m) => m.startsWith('Unable to obtain ACME certificate for domains "outage.test"'));
    await proc.waitFor(() => failed() >= 0, 20_000, 'a failed renewal');
    // The certificate in hand once the CA is gone: a renewal the 2 s schedule completed before pebble stopped may
    // have replaced the first one, so that one is what must stay served.
    const inHand = await peerCertificate(rig.securePort, 'outage.test');
    assert.ok(inHand.subjectAltName?.includes('DNS:outage.test'), `the ACME certificate is served, not the default one: ${inHand.subjectAltName ?? ''}`);
    const failure = proc.logs().filter((r) => String(r.message ?? '').startsWith('Unable to obtain ACME certificate'))[0];
    assert.equal(failure?.['retryInMs'], 30_000);
    // Checks come every 2 s; the retry is due in 30 s.
    await new Promise((r) => setTimeout(r, 8000));
    const since = proc.messages().slice(failed() + 1);
    assert.deepEqual(since.filter((m) => m.startsWith('Ordering ACME certificate') || m.startsWith('Unable to obtain')), [], `the CA was asked again before the retry was due\n${proc.output()}`);
    const still = await peerCertificate(rig.securePort, 'outage.test');
    assert.equal(still.serialNumber, inHand.serialNumber, 'the certificate in hand is still served');
  });
});

interface CertSeries {
  labels: Record<string, string>;
  value: number;
}

/** The traefik_tls_certs_not_after series of the prometheus endpoint on `port`. */
async function scrape(port: number): Promise<CertSeries[]> {
  const text = await new Promise<string>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/metrics', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.once('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`GET /metrics: ${res.statusCode ?? 0} ${body}`))));
    }).once('error', reject);
  });
  const series: CertSeries[] = [];
  for (const line of text.split('\n')) {
    const m = /^traefik_tls_certs_not_after\{(.*)\} (\S+)$/.exec(line);
    if (m === null) continue;
    const labels: Record<string, string> = {};
    for (const [, name, value] of (m[1] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[name as string] = value as string;
    series.push({ labels, value: Number(m[2]) });
  }
  return series;
}
