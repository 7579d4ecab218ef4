import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import http2 from 'node:http2';
import https from 'node:https';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { createHttpsServer, type HttpsServer } from '../../../proxy/entrypoints/https-server.js';
import type { TlsSection } from '../../../proxy/tls/tls-config.js';
import { buildTlsStore, type TlsStore } from '../../../proxy/tls/tls-store.js';
import { tlsHandshake, type HandshakeResult } from '../../support/tls-clients.js';
import { fixtureDir, type FixtureCertificate, type FixtureDir } from '../../unit/tls/fixture-certificates.js';

const LEGACY_CLIENT = { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' } as const;

describe('HTTPS entrypoint server (TLS, SNI, h2 + HTTP/1.1)', () => {
  let fixtures: FixtureDir;
  let a: FixtureCertificate;
  let b: FixtureCertificate;
  let ec: FixtureCertificate;
  let current: TlsStore;
  let server: HttpsServer;
  let port: number;
  const upgrades: string[] = [];

  const build = (tlsSection: Partial<TlsSection>, hosts: [string, string][] = []): TlsStore => {
    const { store, issues } = buildTlsStore({ certificates: [], options: {}, stores: {}, ...tlsSection }, new Map(hosts));
    assert.deepEqual(issues, []);
    return store;
  };
  const standard = (): TlsStore =>
    build(
      {
        certificates: [
          { certFile: a.certFile, keyFile: a.keyFile },
          { certFile: b.certFile, keyFile: b.keyFile },
          { certFile: ec.certFile, keyFile: ec.keyFile },
        ],
        options: { modern: { minVersion: 'VersionTLS13' }, legacy: { minVersion: 'VersionTLS11' }, strict: { sniStrict: true } },
      },
      [['a.test', 'modern'], ['old.b.test', 'legacy'], ['strict.test', 'strict']],
    );

  const handshake = (servername: string | undefined, options: tls.ConnectionOptions = {}): Promise<HandshakeResult> => tlsHandshake(port, servername, options);

  before(async () => {
    fixtures = fixtureDir();
    a = fixtures.make('a.test', ['a.test']);
    b = fixtures.make('wild.b.test', ['*.b.test']);
    ec = fixtures.make('ec.test', ['ec.test'], 'ec');
    current = standard();
    server = createHttpsServer({
      getStore: () => current,
      onRequest: (req, res) => {
        res.sendHead(200, { 'content-type': 'text/plain' });
        res.end(`hello ${req.httpVersion}`);
      },
      onUpgrade: (req, socket) => {
        upgrades.push(req.url ?? '');
        socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    fixtures.remove();
  });

  it('TLS 1.2 and TLS 1.3 handshakes succeed', async () => {
    assert.equal((await handshake('x.b.test', { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' })).protocol, 'TLSv1.2');
    assert.equal((await handshake('x.b.test', { minVersion: 'TLSv1.3' })).protocol, 'TLSv1.3');
  });

  it('TLS 1.1 is refused by the server under the default option', async () => {
    const result = await handshake('x.b.test', LEGACY_CLIENT);
    assert.equal(result.ok, false, JSON.stringify(result));
    assert.equal((await handshake(undefined, LEGACY_CLIENT)).ok, false, 'also without SNI');
  });

  it('a host whose option allows TLS 1.1 accepts it; other hosts still refuse it', async () => {
    const legacy = await handshake('old.b.test', LEGACY_CLIENT);
    assert.equal(legacy.ok, true, JSON.stringify(legacy));
    assert.equal(legacy.protocol, 'TLSv1.1');
    assert.equal((await handshake('new.b.test', LEGACY_CLIENT)).ok, false);
  });

  it('SNI picks the exact certificate, the wildcard, or the generated default', async () => {
    assert.equal((await handshake('a.test')).cn, 'a.test');
    assert.equal((await handshake('x.b.test')).cn, 'wild.b.test');
    assert.equal((await handshake('unknown.test')).cn, 'TRAEFIK DEFAULT CERT');
    assert.equal((await handshake(undefined)).cn, 'TRAEFIK DEFAULT CERT');
  });

  it('an EC certificate is served for its name over TLS 1.2 and 1.3 despite the RSA default', async () => {
    assert.equal((await handshake('ec.test', { maxVersion: 'TLSv1.2' })).cn, 'ec.test');
    assert.equal((await handshake('ec.test', { minVersion: 'TLSv1.3' })).cn, 'ec.test');
    assert.equal((await handshake('x.b.test', { maxVersion: 'TLSv1.2' })).cn, 'wild.b.test');
  });

  it('sniStrict refuses a name without a certificate', async () => {
    const result = await handshake('strict.test');
    assert.equal(result.ok, false, JSON.stringify(result));
  });

  it('an option with minVersion VersionTLS13 refuses a TLS 1.2 client for its host only', async () => {
    assert.equal((await handshake('a.test', { maxVersion: 'TLSv1.2' })).ok, false);
    assert.equal((await handshake('a.test', { minVersion: 'TLSv1.3' })).protocol, 'TLSv1.3');
    assert.equal((await handshake('x.b.test', { maxVersion: 'TLSv1.2' })).ok, true);
  });

  it('HTTP/2 over ALPN h2 and HTTP/1.1 are served on the same port', async () => {
    const session = http2.connect(`https://127.0.0.1:${port}`, { servername: 'x.b.test', rejectUnauthorized: false });
    const body = await new Promise<string>((resolve, reject) => {
      const stream = session.request({ ':path': '/' });
      let text = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => (text += chunk));
      stream.on('end', () => resolve(text));
      stream.on('error', reject);
    });
    session.close();
    assert.equal(body, 'hello 2.0');

    const h1 = await new Promise<string>((resolve, reject) => {
      https
        .get({ host: '127.0.0.1', port, servername: 'x.b.test', rejectUnauthorized: false, path: '/', agent: false }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve(text));
        })
        .on('error', reject);
    });
    assert.equal(h1, 'hello 1.1');
    assert.equal((await handshake('x.b.test', { ALPNProtocols: ['h2', 'http/1.1'] })).alpn, 'h2');
  });

  it('HTTP/1.1 upgrade requests reach onUpgrade (allowHTTP1 fallback)', async () => {
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = https.request({
        host: '127.0.0.1', port, servername: 'x.b.test', rejectUnauthorized: false, path: '/ws', agent: false,
        headers: { connection: 'Upgrade', upgrade: 'websocket' },
      });
      req.on('upgrade', (res, socket) => {
        socket.destroy();
        resolve(res.statusCode);
      });
      req.on('response', (res) => resolve(res.statusCode));
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 101);
    assert.deepEqual(upgrades, ['/ws']);
  });

  it('large HTTP/1.1 headers are accepted up to maxHeaderBytes (1 MiB default, Node\'s own is 16 KiB)', async () => {
    const status = await new Promise<number | undefined>((resolve, reject) => {
      https
        .get({ host: '127.0.0.1', port, servername: 'x.b.test', rejectUnauthorized: false, agent: false, headers: { 'x-big': 'v'.repeat(64 * 1024) } }, (res) => {
          res.resume();
          resolve(res.statusCode);
        })
        .on('error', reject);
    });
    assert.equal(status, 200);
  });

  it('a store swapped through the getter serves new certificates and limits on new connections', async () => {
    const previous = current;
    try {
      current = build(
        { certificates: [{ certFile: b.certFile, keyFile: b.keyFile }], stores: { default: { defaultCertificate: { certFile: a.certFile, keyFile: a.keyFile } } } },
      );
      assert.equal((await handshake('unknown.test')).cn, 'a.test');
      assert.equal((await handshake(undefined)).cn, 'a.test', 'the server base context follows the store');
      assert.equal((await handshake('a.test', { maxVersion: 'TLSv1.2' })).ok, true, 'a.test no longer bound to the TLS 1.3 option');
      assert.equal((await handshake('old.b.test', LEGACY_CLIENT)).ok, false, 'the legacy option is gone');
    } finally {
      current = previous;
    }
    assert.equal((await handshake('unknown.test')).cn, 'TRAEFIK DEFAULT CERT');
  });
});
