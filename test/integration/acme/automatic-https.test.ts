// Automatic HTTPS end to end: pe-edge's CLI orders certificates from a real ACME server (pebble), which validates
// each challenge against pe-edge's own entrypoints; the result is served by SNI and chains to pebble's root.
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { before, describe, it } from 'node:test';
import { acmeSuite, httpsGet, makeWorldReadable, servedCertificate, waitForCertificate, type AcmeRig, type EdgeFiles } from '../../support/acme-edge.js';
import type { CliProcess } from '../../support/cli-process.js';
import { pebbleInstalled } from '../../support/pebble.js';
import { connectTls, echoServer, firstData } from '../../support/tcp-backends.js';

const skip = pebbleInstalled() ? false : 'Debian package pebble is not installed (.ci/run installs it)';

const orders = (proc: CliProcess): number => proc.messages().filter((m) => m.startsWith('Ordering ACME certificate')).length;

describe('automatic HTTPS against pebble', { skip }, () => {
  const suite = acmeSuite();
  let rig: AcmeRig;
  before(() => {
    rig = suite.rig;
  });
  const edge = async (files: EdgeFiles, env: NodeJS.ProcessEnv = {}, dir = suite.newDir()) => ({ proc: await suite.edge(files, env, dir), dir });

  it('HTTP-01: the router\'s Host gets a trusted certificate, served at once; a restart reuses acme.json without a new order', async () => {
    const files = {
      resolvers: { le: { email: 'ops@app.test', httpChallenge: { entryPoint: 'web' } } },
      routers: { app: { rule: 'Host(`app.test`) || Host(`www.app.test`)', entryPoints: ['websecure'], service: 'app', tls: { certResolver: 'le' } } },
    };
    const { proc, dir } = await edge(files);
    const cert = await waitForCertificate(rig, proc, 'app.test', (c) => c.trusted);
    assert.deepEqual(cert.names.sort(), ['app.test', 'www.app.test']);
    assert.deepEqual(await httpsGet(rig, 'www.app.test'), { status: 200, body: 'app' });
    assert.equal(orders(proc), 1);
    assert.ok(proc.messages().includes('ACME certificate obtained'), proc.output());

    const stored = JSON.parse(readFileSync(dir.file('acme.json'), 'utf8')) as Record<string, { Account: { Email: string }; Certificates: { domain: { main: string; sans?: string[] } }[] }>;
    assert.equal(stored.le?.Account.Email, 'ops@app.test');
    assert.deepEqual(stored.le?.Certificates.map((c) => c.domain), [{ main: 'app.test', sans: ['www.app.test'] }]);
    assert.equal(statSync(dir.file('acme.json')).mode & 0o777, 0o600);

    await proc.stop();
    const again = await edge(files, {}, dir);
    const reused = await servedCertificate(rig, 'app.test');
    assert.equal(reused.serial, cert.serial, 'the stored certificate is served from the first handshake');
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(orders(again.proc), 0, again.proc.output());
  });

  it('routers asking for different names at first start register one account, not one per order', async () => {
    const { proc } = await edge({
      resolvers: { le: { httpChallenge: { entryPoint: 'web' } } },
      routers: Object.fromEntries(['one', 'two', 'three'].map((n) => [n, { rule: `Host(\`${n}.acct.test\`)`, entryPoints: ['websecure'], service: 'app', tls: { certResolver: 'le' } }])),
    });
    for (const n of ['one', 'two', 'three']) await waitForCertificate(rig, proc, `${n}.acct.test`, (c) => c.trusted);
    assert.equal(orders(proc), 3);
    assert.equal(proc.messages().filter((m) => m === 'ACME account registered').length, 1, proc.output());
  });

  it('TLS-ALPN-01 on the TLS entrypoint, without disturbing normal handshakes', async () => {
    const { proc } = await edge({
      resolvers: { alpn: { tlsChallenge: {} } },
      routers: { app: { rule: 'Host(`alpn.test`)', entryPoints: ['websecure'], service: 'app', tls: { certResolver: 'alpn' } } },
    });
    const cert = await waitForCertificate(rig, proc, 'alpn.test', (c) => c.trusted);
    assert.deepEqual(cert.names, ['alpn.test']);
    assert.deepEqual(await httpsGet(rig, 'alpn.test'), { status: 200, body: 'app' });
  });

  it('a TCP router with tls.certResolver: its HostSNI gets a trusted certificate, and the TLS it terminates carries bytes to a plain TCP backend', async () => {
    const echo = await echoServer('db:');
    try {
      const { proc } = await edge({
        resolvers: { le: { httpChallenge: { entryPoint: 'web' } } },
        routers: {},
        tcp: {
          routers: { db: { rule: 'HostSNI(`db.tcp.test`) || HostSNI(`*`)', entryPoints: ['websecure'], service: 'db', tls: { certResolver: 'le' } } },
          services: { db: { loadBalancer: { servers: [{ address: echo.address }] } } },
        },
      });
      const cert = await waitForCertificate(rig, proc, 'db.tcp.test', (c) => c.trusted);
      assert.deepEqual(cert.names, ['db.tcp.test'], 'HostSNI(`*`) names nothing');
      const socket = await connectTls(rig.securePort, 'db.tcp.test', { ca: [await rig.pebble.rootPem()], rejectUnauthorized: true });
      try {
        socket.write('ping');
        assert.equal(await firstData(socket), 'db:ping');
      } finally {
        socket.destroy();
      }
      assert.equal(orders(proc), 1, proc.output());
    } finally {
      await echo.close();
    }
  });

  it('DNS-01 through the exec provider, for a wildcard and its apex (tls.domains)', async () => {
    const dir = suite.newDir();
    // lego's exec protocol: `<script> present|cleanup <fqdn> <value>`; this one drives pebble's DNS server, whose
    // clear-txt removes every value of the name: the wildcard's and the apex's share it. The second present returns
    // 2 s after its record is in, so the first authorization is validated meanwhile: a clean-up before the order is
    // over (lego cleans up at its end) would take the second record away and fail its propagation check.
    const presented = dir.file('presented');
    const script = dir.write('dns.mjs', `#!${process.execPath}
import { existsSync, writeFileSync } from 'node:fs';
const [action, fqdn, value] = process.argv.slice(2);
const path = action === 'present' ? '/set-txt' : '/clear-txt';
const res = await fetch(${JSON.stringify(rig.pebble.challtestsrvUrl)} + path, { method: 'POST', body: JSON.stringify({ host: fqdn, value }) });
if (!res.ok) { console.error('challtestsrv', res.status); process.exit(1); }
if (action === 'present') {
  if (existsSync(${JSON.stringify(presented)})) await new Promise((resolve) => setTimeout(resolve, 2000));
  else writeFileSync(${JSON.stringify(presented)}, '');
}
`);
    makeExecutable(script);
    const { proc } = await edge({
      resolvers: { dns: { dnsChallenge: { provider: 'exec', resolvers: [rig.pebble.dnsServer] } } },
      routers: { wild: { rule: 'Host(`a.wild.test`)', entryPoints: ['websecure'], service: 'app', tls: { certResolver: 'dns', domains: [{ main: '*.wild.test', sans: ['wild.test'] }] } } },
    }, { EXEC_PATH: script }, dir);
    // Two authorizations, each a node script run twice and a propagation check: on a machine busy with other
    // work this took over 30 s once (alone it takes a few).
    const cert = await waitForCertificate(rig, proc, 'a.wild.test', (c) => c.trusted, 60_000);
    assert.deepEqual(cert.names.sort(), ['*.wild.test', 'wild.test']);
    assert.deepEqual(await httpsGet(rig, 'a.wild.test'), { status: 200, body: 'app' });
  });

  it('DNS-01 through the httpreq provider (lego\'s JSON protocol, basic auth)', async () => {
    const seen: string[] = [];
    const adapter = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
        const { fqdn, value } = JSON.parse(body) as { fqdn: string; value: string };
        const done = req.url === '/present' ? rig.pebble.setTxt(fqdn, value) : rig.pebble.clearTxt(fqdn);
        done.then(() => res.end('ok'), () => res.writeHead(500).end());
      });
    });
    await new Promise<void>((r) => adapter.listen(0, '127.0.0.1', r));
    try {
      const { proc } = await edge({
        resolvers: { req: { dnsChallenge: { provider: 'httpreq', resolvers: [rig.pebble.dnsServer] } } },
        routers: { api: { rule: 'Host(`api.req.test`)', entryPoints: ['websecure'], service: 'app', tls: { certResolver: 'req' } } },
      }, { HTTPREQ_ENDPOINT: `http://127.0.0.1:${(adapter.address() as AddressInfo).port}`, HTTPREQ_USERNAME: 'u', HTTPREQ_PASSWORD: 'p' });
      await waitForCertificate(rig, proc, 'api.req.test', (c) => c.trusted);
      const basic = `Basic ${Buffer.from('u:p').toString('base64')}`;
      assert.deepEqual(seen.slice(0, 2), [`POST /present ${basic}`, `POST /cleanup ${basic}`]);
    } finally {
      adapter.close();
    }
  });

  it('an acme.json readable by others is refused with Traefik\'s message; that resolver is skipped, routing goes on', async () => {
    const dir = suite.newDir();
    writeFileSync(dir.file('acme.json'), '');
    makeWorldReadable(dir.file('acme.json'));
    const { proc } = await edge({
      resolvers: { le: { httpChallenge: { entryPoint: 'web' } } },
      routers: { app: { rule: 'Host(`open.test`)', entryPoints: ['websecure'], service: 'app', tls: { certResolver: 'le' } } },
    }, {}, dir);
    await proc.waitForLine(/permissions 644 for .*acme\.json are too open, please use 600/, 5000);
    assert.ok(proc.messages().some((m) => m.startsWith('The ACME resolver "le" is skipped from the resolvers list')), proc.output());
    const served = await servedCertificate(rig, 'open.test');
    assert.equal(served.trusted, false, 'the default certificate');
    assert.equal(orders(proc), 0);
    assert.equal(statSync(dir.file('acme.json')).mode & 0o777, 0o644, 'the file is left as it was');
  });
});

function makeExecutable(path: string): void {
  chmodSync(path, 0o755);
}
