// acme.json and an unreachable CA end to end, through pe-edge's CLI and a real pebble: what Traefik left in the file
// is served from the first handshake and renewed when due, and a CA that is down delays a certificate without
// taking anything else down.
import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { before, describe, it } from 'node:test';
import { generate } from 'selfsigned';
import { acmeSuite, peerCertificate, waitForCertificate, type AcmeRig, type EdgeFiles } from '../../support/acme-edge.js';
import { TempConfigDir, type CliProcess } from '../../support/cli-process.js';
import { pebbleInstalled } from '../../support/pebble.js';

const skip = pebbleInstalled() ? false : 'Debian package pebble is not installed (.ci/run installs it)';

const DAY = 24 * 3600 * 1000;

const router = (host: string, resolver = 'le'): Record<string, unknown> => ({ rule: `Host(\`${host}\`)`, entryPoints: ['websecure'], service: 'app', tls: { certResolver: resolver } });
/** New certificates ordered (renewals log 'Ordering ACME certificate renewal'). */
const newOrders = (proc: CliProcess): number => proc.messages().filter((m) => m === 'Ordering ACME certificate').length;
const allOrders = (proc: CliProcess): number => proc.messages().filter((m) => m.startsWith('Ordering ACME certificate')).length;

describe('acme.json and an unreachable CA, against pebble', { skip }, () => {
  const suite = acmeSuite();
  let rig: AcmeRig;
  before(() => {
    rig = suite.rig;
  });
  const edge = (dir: TempConfigDir, files: EdgeFiles, env: NodeJS.ProcessEnv = {}): Promise<CliProcess> => suite.edge(files, env, dir);
  const newDir = (): TempConfigDir => suite.newDir();

  it('a stored certificate inside its renew period is served at start, then renewed through the CA', async () => {
    const dir = newDir();
    // Valid 2 more days; the default certificatesDuration (2160 h) renews 30 days before expiry.
    const seeded = await issueFromThrowawayCa('seeded.test', new Date(Date.now() + 2 * DAY));
    writeAcmeJson(dir.file('acme.json'), { le: { Account: null, Certificates: [storedCertificate('seeded.test', seeded)] } });

    // A CA slow to answer: the check at start begins the renewal, which cannot finish before the first handshakes.
    rig.pebble.pause();
    const proc = await edge(dir, {
      resolvers: { le: { httpChallenge: { entryPoint: 'web' }, renewSchedule: '*/10 * * * * *' } },
      routers: { app: router('seeded.test') },
    });
    try {
      const atStart = await peerCertificate(rig.securePort, 'seeded.test');
      assert.equal(atStart.serialNumber, seeded.serial, 'the seeded certificate is served from the first handshake');
      assert.deepEqual(await httpsStatus(rig.securePort, 'seeded.test', seeded.caPem), { status: 200, body: 'app' });
      await proc.waitForLine((l) => l.includes('"Renewing certificate from LE"'), 10_000);
      assert.equal(newOrders(proc), 0, 'the router\'s name is covered by the stored certificate: nothing new is ordered');
      assert.equal((await peerCertificate(rig.securePort, 'seeded.test')).serialNumber, seeded.serial, 'still served while the renewal waits for the CA');
    } finally {
      rig.pebble.resume();
    }

    const renewed = await waitForCertificate(rig, proc, 'seeded.test', (c) => c.trusted);
    assert.notEqual(renewed.serial, seeded.serial);
    assert.deepEqual(renewed.names, ['seeded.test']);
    assert.ok(renewed.notAfter.getTime() > Date.now() + 365 * DAY, 'pebble\'s long-lived certificate');
    const messages = proc.messages();
    assert.ok(messages.includes('Renewing certificate from LE') && messages.includes('ACME certificate renewed'), proc.output());
    assert.equal(newOrders(proc), 0, proc.output());
    assert.ok(messages.includes('ACME account registered'), 'a file without an account gets one for the renewal');

    const stored = readAcmeJson(dir.file('acme.json'))['le'];
    assert.deepEqual(stored?.Certificates.map((c) => c.domain), [{ main: 'seeded.test' }]);
    const storedLeaf = new X509Certificate(Buffer.from(stored?.Certificates[0]?.certificate ?? '', 'base64').toString('utf8'));
    assert.equal(storedLeaf.serialNumber, renewed.serial, 'acme.json holds the renewed certificate');
    assert.equal(Buffer.from(stored?.Certificates[0]?.key ?? '', 'base64').toString('utf8'), seeded.keyPem, 'renewed with the stored key, as lego does');
  });

  it('a Traefik-written acme.json is served by SNI from the first handshake; nothing is ordered or registered, even once a router asks for the name', async () => {
    const dir = newDir();
    const fixture = await issueFromThrowawayCa('fixture.test', new Date(Date.now() + 300 * DAY));
    const accountKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const origin = new URL(rig.pebble.directoryUrl).origin;
    const text = writeAcmeJson(dir.file('acme.json'), {
      le: {
        Account: {
          Email: 'ops@fixture.test',
          Registration: { body: { status: 'valid', contact: ['mailto:ops@fixture.test'] }, uri: `${origin}/my-account/1` },
          PrivateKey: accountKey.export({ format: 'der', type: 'pkcs1' }).toString('base64'),
          KeyType: '4096',
        },
        Certificates: [storedCertificate('fixture.test', fixture)],
      },
    });

    const files: EdgeFiles = { resolvers: { le: { httpChallenge: { entryPoint: 'web' }, email: 'ops@fixture.test' } }, routers: {} };
    const proc = await edge(dir, files);
    assert.equal((await peerCertificate(rig.securePort, 'fixture.test')).serialNumber, fixture.serial);

    // The router for that name arrives with a reload.
    const applied = proc.messages().filter((m) => m === 'configuration applied').length;
    dir.write('dynamic.yml', JSON.stringify({ http: { routers: { fixture: router('fixture.test') }, services: { app: { loadBalancer: { servers: [{ url: rig.backend.url }] } } } } }));
    proc.signal('SIGHUP');
    await proc.waitFor(() => proc.messages().filter((m) => m === 'configuration applied').length > applied, 5000, 'the reload');
    assert.deepEqual(await httpsStatus(rig.securePort, 'fixture.test', fixture.caPem), { status: 200, body: 'app' });
    await new Promise((r) => setTimeout(r, 1500));

    assert.equal(allOrders(proc), 0, proc.output());
    const messages = proc.messages();
    assert.ok(!messages.includes('ACME account registered'), proc.output());
    assert.ok(!messages.some((m) => m.startsWith('Account URI does not match')), proc.output());
    assert.equal((await peerCertificate(rig.securePort, 'fixture.test')).serialNumber, fixture.serial);
    assert.equal(readFileSync(dir.file('acme.json'), 'utf8'), text, 'the file is left as Traefik wrote it');
  });

  it('with the CA down the router serves the default certificate, failures are logged and retried with growing delays, and the certificate arrives once the CA is back', async () => {
    await rig.pebble.stop();
    const proc = await edge(newDir(), {
      resolvers: { le: { httpChallenge: { entryPoint: 'web' } } },
      routers: { app: router('down.test') },
    }, { PE_EDGE_ACME_RETRY_BASE: '1s' });

    const failures = (): { message: string; domains: unknown; retryInMs: number }[] =>
      proc.logs()
        .filter((r) => String(r.message ?? '').startsWith('Unable to obtain ACME certificate for domains'))
        .map((r) => ({ message: String(r.message), domains: r['domains'], retryInMs: Number(r['retryInMs']) }));
    await proc.waitFor(() => failures().length >= 2, 30_000, 'two failed orders');

    const [one, two] = failures();
    assert.ok(one !== undefined && two !== undefined);
    assert.match(one.message, /^Unable to obtain ACME certificate for domains "down\.test": \S/);
    assert.deepEqual(one.domains, ['down.test']);
    assert.ok(two.retryInMs > one.retryInMs && one.retryInMs >= 1000, `backoff grows: ${one.retryInMs} then ${two.retryInMs} ms`);

    const fallback = await peerCertificate(rig.securePort, 'down.test');
    assert.match(fallback.subject, /CN=TRAEFIK DEFAULT CERT/, 'the default certificate until one is issued');
    assert.deepEqual(await httpsStatus(rig.securePort, 'down.test', null), { status: 200, body: 'app' }, 'the router keeps routing');

    await rig.pebble.start();
    const cert = await waitForCertificate(rig, proc, 'down.test', (c) => c.trusted, 40_000);
    assert.deepEqual(cert.names, ['down.test']);
    assert.equal(proc.exit, undefined, 'no restart was needed');
    assert.ok(proc.messages().includes('ACME certificate obtained'), proc.output());
  });
});

interface Issued {
  /** Leaf then CA, as lego bundles it. */
  bundlePem: string;
  /** SEC1, as lego writes an EC key. */
  keyPem: string;
  caPem: string;
  serial: string;
}

/** A certificate for `name` from a CA made for it alone (not pebble's). */
async function issueFromThrowawayCa(name: string, notAfterDate: Date): Promise<Issued> {
  const ca = await generate([{ name: 'commonName', value: 'throwaway test CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 400 * DAY),
    extensions: [{ name: 'basicConstraints', cA: true }, { name: 'keyUsage', keyCertSign: true, digitalSignature: true }],
  });
  const leaf = await generate([{ name: 'commonName', value: name }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: name }] },
    ],
  });
  return {
    bundlePem: `${leaf.cert.trim()}\n${ca.cert.trim()}\n`,
    keyPem: createPrivateKey(leaf.private).export({ format: 'pem', type: 'sec1' }).toString(),
    caPem: ca.cert,
    serial: new X509Certificate(leaf.cert).serialNumber,
  };
}

function storedCertificate(main: string, issued: Issued): Record<string, unknown> {
  const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
  return { domain: { main }, certificate: b64(issued.bundlePem), key: b64(issued.keyPem), Store: 'default' };
}

/** Writes acme.json as Traefik does (MarshalIndent with two spaces, no trailing newline, mode 0600); returns the text. */
function writeAcmeJson(path: string, content: Record<string, unknown>): string {
  const text = JSON.stringify(content, null, 2);
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
  return text;
}

type AcmeJson = Record<string, { Certificates: { domain: { main: string; sans?: string[] }; certificate: string; key: string }[] }>;

function readAcmeJson(path: string): AcmeJson {
  return JSON.parse(readFileSync(path, 'utf8')) as AcmeJson;
}

/** An HTTPS request for `host` through the edge, verifying against `ca` (or not at all when null). */
function httpsStatus(port: number, host: string, ca: string | null): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port, path: '/', servername: host, headers: { host }, agent: false, timeout: 5000, ...(ca === null ? { rejectUnauthorized: false } : { ca: [ca] }) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.once('timeout', () => req.destroy(new Error('no answer within 5 s')));
    req.once('error', reject);
  });
}
