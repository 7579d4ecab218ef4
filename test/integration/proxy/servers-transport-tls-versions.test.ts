// http.serversTransports.<name>.minVersion / maxVersion / cipherSuites (Traefik v3.7): the TLS versions and
// cipher suites pe-edge offers https:// servers, written in dynamic.yml as Traefik users write them. Real TLS
// servers on loopback, HTTP/1.1 (node:https) and HTTP/2 (node:http2, ALPN h2), each pinned to some versions and
// suites, say what they negotiated; a server that finds nothing in common refuses the handshake (Traefik: 502).
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { test, type TestContext } from 'node:test';
import { fixtureDir, type FixtureCertificate } from '../../unit/tls/fixture-certificates.js';
import { startCliWithDynamic, TempConfigDir } from '../../support/cli-process.js';
import { httpGet } from '../../support/load-client.js';

type ServerTls = { minVersion: 'TLSv1' | 'TLSv1.2' | 'TLSv1.3'; maxVersion: 'TLSv1' | 'TLSv1.2' | 'TLSv1.3'; ciphers?: string };

/** Answers `<TLS version> <cipher> <HTTP version>` of the connection the request came on. */
function answer(req: { httpVersion: string; socket: unknown }, res: { end(body: string): void }): void {
  const socket = req.socket as TLSSocket;
  res.end(`${String(socket.getProtocol())} ${socket.getCipher().name} ${req.httpVersion}`);
}

async function backend(t: TestContext, kind: 'h1' | 'h2', cert: FixtureCertificate, tls: ServerTls): Promise<string> {
  const options = { cert: cert.cert, key: cert.key, ...tls };
  const server = kind === 'h1'
    ? https.createServer(options, answer)
    : http2.createSecureServer({ ...options, allowHTTP1: true }, answer);
  server.on('tlsClientError', () => undefined);
  // pe-edge keeps its connections open (idleConnTimeout 90 s): close must not wait for them.
  const sockets = new Set<Duplex>();
  server.on('secureConnection', (socket: Duplex) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => {
    for (const socket of sockets) socket.destroy();
    server.close(() => resolve());
  }));
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('serversTransports minVersion, maxVersion and cipherSuites: what pe-edge offers decides which https servers (HTTP/1.1 and h2) it can reach', async (t) => {
  const fixtures = fixtureDir();
  t.after(() => fixtures.remove());
  const cert = fixtures.make('backend.test', ['backend.test']);
  const servers: Record<string, string> = {
    h1tls12: await backend(t, 'h1', cert, { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' }),
    h2tls12: await backend(t, 'h2', cert, { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES256-GCM-SHA384' }),
    h2tls13: await backend(t, 'h2', cert, { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' }),
    h1tls10: await backend(t, 'h1', cert, { minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' }),
  };
  const transports: Record<string, Record<string, unknown>> = {
    defaults: {},
    min13: { minVersion: 'VersionTLS13' },
    max12: { maxVersion: 'VersionTLS12' },
    aes256: { cipherSuites: ['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'] },
    aes128h1: { minVersion: 'VersionTLS12', maxVersion: 'VersionTLS12', cipherSuites: ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'], disableHTTP2: true },
    tls10: { minVersion: 'VersionTLS10' },
    badCipher: { cipherSuites: ['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA385'] },
    inverted: { minVersion: 'VersionTLS13', maxVersion: 'VersionTLS12' },
  };
  const lines = ['http:', '  routers:'];
  const services = ['  services:'];
  for (const transport of Object.keys(transports)) {
    for (const [name, url] of Object.entries(servers)) {
      lines.push(`    ${transport}-${name}: { rule: "Path(\`/${transport}/${name}\`)", service: ${transport}-${name} }`);
      services.push(`    ${transport}-${name}: { loadBalancer: { servers: [{ url: "${url}" }], serversTransport: ${transport} } }`);
    }
  }
  lines.push(...services, '  serversTransports:');
  // JSON is YAML's flow style.
  for (const [name, options] of Object.entries(transports)) {
    lines.push(`    ${name}: ${JSON.stringify({ serverName: 'backend.test', rootCAs: [cert.certFile], ...options })}`);
  }
  const dir = new TempConfigDir();
  t.after(() => dir.remove());
  const { proc, port } = await startCliWithDynamic(t, dir, lines.join('\n') + '\n');

  const seen = async (transport: string, server: string): Promise<string> => {
    const reply = await httpGet(`http://127.0.0.1:${port}/${transport}/${server}`, { fresh: true });
    return reply.status === 200 ? reply.body : String(reply.status);
  };
  const table: [string, string, string | RegExp][] = [
    // No setting: Go's client defaults, TLS 1.2 to 1.3 and its default suites.
    ['defaults', 'h1tls12', 'TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256 1.1'],
    ['defaults', 'h2tls12', 'TLSv1.2 ECDHE-RSA-AES256-GCM-SHA384 2.0'],
    ['defaults', 'h2tls13', /^TLSv1\.3 TLS_\w+ 2\.0$/],
    ['defaults', 'h1tls10', '502'],
    ['min13', 'h1tls12', '502'],
    ['min13', 'h2tls12', '502'],
    ['min13', 'h2tls13', /^TLSv1\.3 TLS_\w+ 2\.0$/],
    ['max12', 'h1tls12', 'TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256 1.1'],
    ['max12', 'h2tls12', 'TLSv1.2 ECDHE-RSA-AES256-GCM-SHA384 2.0'],
    ['max12', 'h2tls13', '502'],
    // cipherSuites restricts TLS 1.0-1.2; TLS 1.3 suites are not configurable (Go).
    ['aes256', 'h1tls12', '502'],
    ['aes256', 'h2tls12', 'TLSv1.2 ECDHE-RSA-AES256-GCM-SHA384 2.0'],
    ['aes256', 'h2tls13', /^TLSv1\.3 TLS_\w+ 2\.0$/],
    ['aes128h1', 'h1tls12', 'TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256 1.1'],
    ['aes128h1', 'h2tls12', '502'],
    ['aes128h1', 'h2tls13', '502'],
    ['tls10', 'h1tls10', /^TLSv1 \S+ 1\.1$/],
    ['tls10', 'h2tls13', /^TLSv1\.3 TLS_\w+ 2\.0$/],
  ];
  for (const [transport, server, expected] of table) {
    const got = await seen(transport, server);
    if (typeof expected === 'string') assert.equal(got, expected, `${transport} -> ${server}\n${proc.output()}`);
    else assert.match(got, expected, `${transport} -> ${server}`);
  }

  // A name Traefik does not know, and versions the wrong way round, are configuration errors naming the option;
  // the transport is left out, so its services are disabled rather than served with other TLS settings.
  const output = proc.output();
  assert.match(output, /cipherSuites.*invalid CipherSuite: TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA385/);
  assert.match(output, /minVersion.*TLS minimum version VersionTLS13 is above the maximum version VersionTLS12/);
  for (const transport of ['badCipher', 'inverted']) assert.equal(await seen(transport, 'h2tls13'), '404', transport);
});
