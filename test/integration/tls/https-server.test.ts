import assert from 'node:assert/strict';
import net, { type AddressInfo } from 'node:net';
import http2 from 'node:http2';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { HttpsServers } from '../../../proxy/entrypoints/https-servers.js';
import { parseClientHello } from '../../../proxy/tls/client-hello.js';
import type { TlsSection } from '../../../proxy/tls/tls-config.js';
import { buildTlsStore, type EntryPointTlsStore } from '../../../proxy/tls/tls-store.js';
import { tlsHandshake, type HandshakeResult } from '../../support/tls-clients.js';
import { fixtureDir, type FixtureCertificate, type FixtureDir } from '../../unit/tls/fixture-certificates.js';

const LEGACY_CLIENT = { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' } as const;

describe('HTTPS entrypoint servers (TLS, SNI, a server per TLS option, h2; HTTP/1.1 handed on)', () => {
  let fixtures: FixtureDir;
  let a: FixtureCertificate;
  let b: FixtureCertificate;
  let ec: FixtureCertificate;
  let current: EntryPointTlsStore;
  let servers: HttpsServers;
  let server: net.Server;
  let port: number;

  // The store as the entrypoint these servers belong to sees it.
  const build = (tlsSection: Partial<TlsSection>, hosts: [string, string][] = []): EntryPointTlsStore => {
    const { store, issues } = buildTlsStore({ certificates: [], options: {}, stores: {}, ...tlsSection }, new Map([['websecure', new Map(hosts)]]));
    assert.deepEqual(issues, []);
    return store.forEntryPoint('websecure');
  };
  const standard = (): EntryPointTlsStore =>
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
    servers = new HttpsServers({
      getStore: () => current,
      onRequest: (req, res) => {
        res.sendHead(200, { 'content-type': 'text/plain' });
        res.end(`hello ${req.httpVersion}`);
      },
      // The entrypoint gives these to its HTTP/1.1 front; here the socket says what it negotiated.
      onHttp1: (socket) => socket.end(`http1 after handshake: ${socket.getProtocol()} alpn=${String(socket.alpnProtocol)}`),
    });
    // The entrypoint's part: the ClientHello (one read from node's client on loopback) chooses the server.
    server = net.createServer((socket) => {
      socket.once('data', (first: Buffer) => {
        const hello = parseClientHello(first);
        socket.pause();
        socket.unshift(first);
        servers.serverFor(hello === null || hello === 'incomplete' ? null : hello.serverName).emit('connection', socket);
        process.nextTick(() => socket.resume());
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    servers.close();
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

  it('HTTP/2 is served on ALPN h2, preferred over http/1.1', async () => {
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

    assert.equal((await handshake('x.b.test', { ALPNProtocols: ['h2', 'http/1.1'] })).alpn, 'h2');
  });

  it('HTTP/1.1 connections (ALPN http/1.1, or no ALPN) go to onHttp1 once their handshake is done', async () => {
    const said = (options: tls.ConnectionOptions): Promise<string> =>
      new Promise((resolve, reject) => {
        const socket = tls.connect({ host: '127.0.0.1', port, servername: 'x.b.test', rejectUnauthorized: false, ...options });
        let text = '';
        socket.setEncoding('utf8');
        socket.on('data', (chunk: string) => (text += chunk));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
    assert.match(await said({ ALPNProtocols: ['http/1.1'] }), /^http1 after handshake: TLSv1\.3 alpn=http\/1\.1$/);
    assert.match(await said({}), /^http1 after handshake: TLSv1\.3 alpn=false$/);
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
