import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import acme from 'acme-client';
import { startBackend, type Backend } from '../../support/backends.js';
import { buildInput, entryPointOptions, startProxy } from '../../support/proxy-fixture.js';
import { freePort, httpRequest, httpsRequest, tlsHandshake } from '../../support/tls-clients.js';
import { fixtureDir } from '../../unit/tls/fixture-certificates.js';
import { AcmeChallengeStore } from '../../../proxy/tls/acme-challenges.js';
import type { BuildInput, EdgeProxy } from '../../../proxy/index.js';
import type { EntryPointRouting, RouterConfig } from '../../../proxy/runtime/build-input.js';
import { toBuildInput } from '../../../operator/aggregation/build-input.js';
import { emptyDynamicConfig, validateStaticConfig } from '../../../labels-spec/index.js';

// The proxy side of ACME: HTTP-01 answered by acme-http@internal on the resolvers' httpChallenge entrypoints,
// TLS-ALPN-01 answered at the entrypoint's sniff, both from one AcmeChallengeStore the resolvers fill at run time.

const TOKEN = 'evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA';
const KEY_AUTHORIZATION = `${TOKEN}.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI`;

interface Setup {
  proxy: EdgeProxy;
  store: AcmeChallengeStore;
  app: Backend;
  webPort: number;
  securePort: number;
}

/**
 * `web` redirects to `websecure` (the usual traefik.yml) unless `bypass`; a user router on web matches every path
 * at a high priority; `websecure` serves a.test with a fixture certificate. Resolver `le` uses web for HTTP-01.
 */
async function setup(t: { after: (fn: () => Promise<void> | void) => void }, opts: { bypass?: boolean; routers?: Record<string, RouterConfig> } = {}): Promise<Setup> {
  const fixtures = fixtureDir();
  t.after(() => fixtures.remove());
  const cert = fixtures.make('a.test', ['a.test']);
  const app = await startBackend('app');
  t.after(() => app.close());
  const securePort = await freePort();
  const secureAddress = `127.0.0.1:${securePort}`;
  const web: EntryPointRouting = opts.bypass === true
    ? { address: '127.0.0.1:0', allowACMEByPass: true }
    : { address: '127.0.0.1:0', http: { redirections: { entryPoint: { to: 'websecure' } } } };
  const store = new AcmeChallengeStore();
  const input: BuildInput = {
    ...buildInput({
      entryPoints: { web, websecure: { address: secureAddress } },
      http: {
        routers: {
          'everything@file': { rule: 'PathPrefix(`/`)', priority: 1_000_000, service: 'app', entryPoints: ['web'] },
          'secure@file': { rule: 'Host(`a.test`)', service: 'app', entryPoints: ['websecure'], tls: {} },
          ...opts.routers,
        },
        services: { 'app@file': { loadBalancer: { servers: [{ url: app.url }] } } },
      },
      tls: { certificates: [{ certFile: cert.certFile, keyFile: cert.keyFile }], options: {}, stores: {} },
    }),
    acme: { challenges: store, httpChallengeEntryPoints: { le: 'web' } },
  };
  const proxy = await startProxy(input, [entryPointOptions('web'), entryPointOptions('websecure', secureAddress)]);
  t.after(() => proxy.close(0));
  return { proxy, store, app, webPort: proxy.port('web'), securePort };
}

const challengePath = (token: string): string => `/.well-known/acme-challenge/${token}`;

test('HTTP-01: the key authorization, 200 text/plain, ahead of the entrypoint redirection and a user router matching everything', async (t) => {
  const { store, app, webPort } = await setup(t);
  store.setHttp01(TOKEN, 'a.test', KEY_AUTHORIZATION);
  const res = await httpRequest({ port: webPort, host: `a.test:${webPort}`, path: challengePath(TOKEN) });
  assert.equal(res.status, 200);
  assert.equal(res.body, KEY_AUTHORIZATION);
  assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8');
  assert.equal(res.headers['content-length'], String(KEY_AUTHORIZATION.length));
  assert.equal(res.headers['x-content-type-options'], undefined);
  // A trailing slash and a Host in capitals without a port are the same challenge.
  const slash = await httpRequest({ port: webPort, host: 'A.Test', path: `${challengePath(TOKEN)}/` });
  assert.equal(slash.status, 200);
  assert.equal(slash.body, KEY_AUTHORIZATION);
  // Every other path still goes to the redirection (MaxInt-1), the user router never answers.
  const other = await httpRequest({ port: webPort, host: `a.test:${webPort}`, path: '/.well-known/other' });
  assert.equal(other.status, 301);
  assert.equal(app.seen.length, 0);
});

test('HTTP-01: 404 with an empty body for an unknown token, another host, a bad path shape; changes apply without a reload', async (t) => {
  const { store, app, webPort } = await setup(t);
  store.setHttp01(TOKEN, 'a.test', KEY_AUTHORIZATION);
  const notFound = async (host: string, path: string): Promise<void> => {
    const res = await httpRequest({ port: webPort, host, path });
    assert.equal(res.status, 404, `${host} ${path}`);
    assert.equal(res.body, '');
    assert.equal(res.headers['content-length'], '0');
    assert.equal(res.headers['content-type'], undefined);
  };
  await notFound('a.test', challengePath('unknown'));
  await notFound('b.test', challengePath(TOKEN));
  await notFound('a.test', '/.well-known/acme-challenge/');
  await notFound('a.test', `${challengePath(TOKEN)}/extra`);
  await notFound('a.test', `/.well-known/acme-challenge/x/${TOKEN}`);
  // sanitizePath (on by default, as in Traefik) cleans `//` before routing: the handler sees `<token>/`.
  assert.equal((await httpRequest({ port: webPort, host: 'a.test', path: `${challengePath(TOKEN)}//` })).status, 200);
  // The same token for a second host, then removed for the first: the store is read on every request.
  store.setHttp01(TOKEN, 'b.test', 'other-key-authorization');
  assert.equal((await httpRequest({ port: webPort, host: 'b.test:80', path: challengePath(TOKEN) })).body, 'other-key-authorization');
  store.deleteHttp01(TOKEN, 'A.TEST');
  await notFound('a.test', challengePath(TOKEN));
  assert.equal((await httpRequest({ port: webPort, host: 'b.test', path: challengePath(TOKEN) })).status, 200);
  assert.equal(app.seen.length, 0);
});

test('HTTP-01 with an [IPv6]:port Host: the address without brackets and port is the key', async (t) => {
  const { store, webPort } = await setup(t);
  store.setHttp01(TOKEN, '::1', KEY_AUTHORIZATION);
  const res = await httpRequest({ port: webPort, host: `[::1]:${webPort}`, path: challengePath(TOKEN) });
  assert.equal(res.status, 200);
  assert.equal(res.body, KEY_AUTHORIZATION);
});

test('allowACMEByPass: acme-http-bypass@internal has the default priority, so a user router above it answers the challenges', async (t) => {
  const routers: Record<string, RouterConfig> = {
    // Longer than the internal router's rule, so a higher default priority.
    'own-acme@file': { rule: 'PathPrefix(`/.well-known/acme-challenge/`) && Host(`mine.test`)', service: 'app', entryPoints: ['web'] },
  };
  const { store, app, webPort } = await setup(t, { bypass: true, routers });
  store.setHttp01(TOKEN, 'a.test', KEY_AUTHORIZATION);
  store.setHttp01(TOKEN, 'mine.test', KEY_AUTHORIZATION);
  // everything@file (priority 1000000) outranks the bypass router: user routers win.
  const res = await httpRequest({ port: webPort, host: 'a.test', path: challengePath(TOKEN) });
  assert.equal(res.status, 200);
  assert.equal(res.body, 'app');
  assert.equal(app.seen.length, 1);
});

test('allowACMEByPass: a user router of lower priority than the internal one still loses to it', async (t) => {
  const routers: Record<string, RouterConfig> = { 'everything@file': { rule: 'PathPrefix(`/`)', service: 'app', entryPoints: ['web'] } };
  const { store, app, webPort } = await setup(t, { bypass: true, routers });
  store.setHttp01(TOKEN, 'a.test', KEY_AUTHORIZATION);
  const res = await httpRequest({ port: webPort, host: 'a.test', path: challengePath(TOKEN) });
  assert.equal(res.body, KEY_AUTHORIZATION);
  assert.equal((await httpRequest({ port: webPort, host: 'a.test', path: '/' })).body, 'app');
  assert.equal(app.seen.length, 1);
});

test('an httpChallenge entrypoint that does not exist is a runtime error naming the resolver and the entrypoint', async (t) => {
  const { proxy } = await setup(t);
  const store = new AcmeChallengeStore();
  const runtime = proxy.apply({ ...buildInput(), acme: { challenges: store, httpChallengeEntryPoints: { le: 'web', other: 'nope' } } });
  assert.deepEqual(runtime.errors, ['certificatesResolvers.other.acme.httpChallenge: entryPoint "nope" doesn\'t exist']);
});

test('toBuildInput: httpChallenge entrypoints by resolver from certificatesResolvers, the store passed through; none without a store', () => {
  const { config, issues } = validateStaticConfig({
    entryPoints: { web: { address: ':80', allowACMEByPass: true }, websecure: { address: ':443' } },
    certificatesResolvers: {
      le: { acme: { email: 'a@b.c', httpChallenge: { entryPoint: 'web' } } },
      alpn: { acme: { email: 'a@b.c', tlsChallenge: {} } },
      staging: { acme: { email: 'a@b.c', httpChallenge: { entryPoint: 'web' } } },
    },
  });
  assert.deepEqual(issues.filter((i) => i.severity === 'error'), []);
  const store = new AcmeChallengeStore();
  const input = toBuildInput(config, emptyDynamicConfig(), null, store);
  assert.equal(input.acme?.challenges, store);
  assert.deepEqual(input.acme?.httpChallengeEntryPoints, { le: 'web', staging: 'web' });
  assert.equal(input.entryPoints.web?.allowACMEByPass, true);
  assert.equal(toBuildInput(config, emptyDynamicConfig()).acme, null);
});

// ---- TLS-ALPN-01 ----

async function alpnCertificate(domain: string, keyAuthorization: string): Promise<{ cert: string; key: string }> {
  const authz = { identifier: { type: 'dns', value: domain }, status: 'pending' as const, challenges: [], url: 'https://ca.test/authz/1' };
  const [key, cert] = await acme.crypto.createAlpnCertificate(authz, keyAuthorization);
  return { cert: cert.toString(), key: key.toString() };
}

interface ChallengeHandshake {
  alpn: string | false | null;
  certPem: string;
  /** The server closed the connection after the handshake. */
  closedByServer: boolean;
}

function toPem(der: Buffer): string {
  return new X509Certificate(der).toString();
}

/** A validator's handshake: ALPN acme-tls/1 only, then wait for the server to close. */
function challengeHandshake(port: number, servername: string): Promise<ChallengeHandshake> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ port, host: '127.0.0.1', servername, ALPNProtocols: ['acme-tls/1'], rejectUnauthorized: false }, () => {
      const alpn = socket.alpnProtocol;
      const certPem = toPem(socket.getPeerCertificate().raw);
      const timer = setTimeout(() => {
        socket.destroy();
        resolve({ alpn, certPem, closedByServer: false });
      }, 3000);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve({ alpn, certPem, closedByServer: true });
      });
      socket.resume();
    });
    socket.on('error', reject);
  });
}

const ACME_IDENTIFIER_OID = Buffer.from([0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x1f]); // 1.3.6.1.5.5.7.1.31

test('TLS-ALPN-01: acme-tls/1 with the SNI name gets the challenge certificate and ALPN acme-tls/1, then the connection closes', async (t) => {
  const { store, securePort } = await setup(t);
  const challenge = await alpnCertificate('a.test', KEY_AUTHORIZATION);
  store.setTlsAlpn01('a.test', challenge.cert, challenge.key);
  const res = await challengeHandshake(securePort, 'A.test');
  assert.equal(res.alpn, 'acme-tls/1');
  assert.equal(acme.crypto.isAlpnCertificateAuthorizationValid(res.certPem, KEY_AUTHORIZATION), true);
  assert.ok(new X509Certificate(res.certPem).raw.includes(ACME_IDENTIFIER_OID));
  assert.equal(new X509Certificate(res.certPem).fingerprint256, new X509Certificate(challenge.cert).fingerprint256);
  assert.equal(res.closedByServer, true);
});

test('TLS-ALPN-01 pending: the same name with h2 or http/1.1 gets the normal certificate and a working request', async (t) => {
  const { store, securePort } = await setup(t);
  const challenge = await alpnCertificate('a.test', KEY_AUTHORIZATION);
  store.setTlsAlpn01('a.test', challenge.cert, challenge.key);
  const h2 = await tlsHandshake(securePort, 'a.test', { ALPNProtocols: ['h2', 'http/1.1'] });
  assert.equal(h2.ok, true);
  assert.equal(h2.alpn, 'h2');
  assert.equal(h2.cn, 'a.test');
  const res = await httpsRequest({ port: securePort, host: 'a.test', path: '/x', tls: { ALPNProtocols: ['http/1.1'] } });
  assert.equal(res.status, 200);
  assert.equal(res.body, 'app');
  assert.equal(res.certCN, 'a.test');
  // Plain HTTP on a TLS-sniffing entrypoint is untouched too.
  assert.equal((await httpRequest({ port: securePort, host: 'a.test', path: '/' })).status, 404);
});

test('TLS-ALPN-01: acme-tls/1 for a name without a pending challenge fails the handshake; with none pending at all it is refused too', async (t) => {
  const { store, securePort } = await setup(t);
  const refused = (servername: string): Promise<boolean> =>
    new Promise((resolve) => {
      const socket = tls.connect({ port: securePort, host: '127.0.0.1', servername, ALPNProtocols: ['acme-tls/1'], rejectUnauthorized: false }, () => {
        socket.destroy();
        resolve(false);
      });
      socket.on('error', () => resolve(true));
    });
  // No challenge at all: the ClientHello is not read, the HTTPS server's ALPN check refuses it.
  assert.equal(await refused('a.test'), true);
  const challenge = await alpnCertificate('a.test', KEY_AUTHORIZATION);
  store.setTlsAlpn01('a.test', challenge.cert, challenge.key);
  assert.equal(await refused('b.test'), true);
  store.deleteTlsAlpn01('a.test');
  assert.equal(await refused('a.test'), true);
  assert.equal((await tlsHandshake(securePort, 'a.test', { ALPNProtocols: ['h2'] })).ok, true);
});

/**
 * A TCP relay to `port` that forwards what the client sends one byte at a time (a millisecond apart, Nagle off)
 * until the server first answers: a ClientHello arriving in as many reads as it has bytes.
 */
async function dribblingRelay(t: { after: (fn: () => Promise<void> | void) => void }, port: number): Promise<number> {
  const server = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    upstream.setNoDelay(true);
    let dribble = true;
    const queue: Buffer[] = [];
    let pumping = false;
    const pump = async (): Promise<void> => {
      if (pumping) return;
      pumping = true;
      for (let chunk = queue.shift(); chunk !== undefined; chunk = queue.shift()) {
        if (!dribble) {
          upstream.write(chunk);
          continue;
        }
        for (let i = 0; i < chunk.length; i++) {
          if (upstream.destroyed) return;
          upstream.write(chunk.subarray(i, i + 1));
          await new Promise((r) => setTimeout(r, 1));
        }
      }
      pumping = false;
    };
    client.on('data', (chunk: Buffer) => {
      queue.push(chunk);
      void pump();
    });
    upstream.once('data', () => (dribble = false));
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return (server.address() as net.AddressInfo).port;
}

test('TLS-ALPN-01 pending: ClientHellos sent one byte at a time still get the challenge certificate, or the normal one and an answer', async (t) => {
  const { store, securePort } = await setup(t);
  const challenge = await alpnCertificate('a.test', KEY_AUTHORIZATION);
  store.setTlsAlpn01('a.test', challenge.cert, challenge.key);
  const relay = await dribblingRelay(t, securePort);
  const res = await challengeHandshake(relay, 'a.test');
  assert.equal(res.alpn, 'acme-tls/1');
  assert.equal(acme.crypto.isAlpnCertificateAuthorizationValid(res.certPem, KEY_AUTHORIZATION), true);
  const normal = await httpsRequest({ port: relay, host: 'a.test', path: '/slow', tls: { ALPNProtocols: ['http/1.1'] } });
  assert.equal(normal.status, 200);
  assert.equal(normal.body, 'app');
  assert.equal(normal.certCN, 'a.test');
});

test('TLS-ALPN-01 pending: a ClientHello that stalls is cut at readTimeout, one half-closed before it is whole at once', async (t) => {
  const store = new AcmeChallengeStore();
  const challenge = await alpnCertificate('a.test', KEY_AUTHORIZATION);
  store.setTlsAlpn01('a.test', challenge.cert, challenge.key);
  const proxy = await startProxy({ ...buildInput(), acme: { challenges: store, httpChallengeEntryPoints: {} } }, [entryPointOptions('web', '127.0.0.1:0', { readTimeout: 400 })]);
  t.after(() => proxy.close(0));
  const partial = Buffer.from([0x16, 0x03, 0x01, 0x01, 0x00, 0x01, 0x00, 0x00, 0xfc, 0x03, 0x03]);
  const closedAfter = (halfClose: boolean): Promise<number> =>
    new Promise((resolve) => {
      const started = Date.now();
      const socket = net.connect(proxy.port('web'), '127.0.0.1', () => {
        socket.write(partial);
        // Trickle a byte now and then: the idle timer would never fire, the sniff's deadline does.
        const trickle = setInterval(() => socket.write(Buffer.from([0])), 100);
        socket.once('close', () => clearInterval(trickle));
        if (halfClose) setTimeout(() => socket.end(), 50);
      });
      socket.on('error', () => undefined);
      socket.once('close', () => resolve(Date.now() - started));
      socket.resume();
    });
  const stalled = await closedAfter(false);
  assert.ok(stalled >= 350 && stalled < 2000, `closed after ${stalled} ms`);
  assert.ok((await closedAfter(true)) < 350);
});
