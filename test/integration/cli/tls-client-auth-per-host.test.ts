// An HTTPS router whose TLS option asks client certificates the `default` option does not: node negotiates client
// authentication per server, before SNI, so pe-edge cannot ask for them per host. Such a host must refuse every
// client it cannot check as the option says, never serve it as if the option asked nothing.
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import tls from 'node:tls';
import { CliProcess, freePort, staticYaml, TempConfigDir } from '../../support/cli-process.js';
import { certificateLines } from '../../support/tls-router-lines.js';
import { shortLivedClientCertificate } from '../../support/short-lived-client-certificate.js';
import { tlsTicket } from '../../support/tls-resumption.js';

const dir = new TempConfigDir();
let edge: CliProcess | null = null;
after(async () => {
  await edge?.stop();
  dir.remove();
});

const trusted = shortLivedClientCertificate(3600);
const other = shortLivedClientCertificate(3600);
dir.write('trusted-ca.pem', trusted.ca);
dir.write('other-ca.pem', other.ca);

/** pe-edge with `public.test` under the default option and `admin.test` under `mtls`; `options`: the `tls.options` lines. */
async function start(options: string[]): Promise<number> {
  const websecure = await freePort();
  dir.write('dynamic.yml', [
    ...certificateLines(dir, ['public.test', 'admin.test']),
    '  options:',
    ...options,
    'http:',
    '  services:',
    '    app: { loadBalancer: { servers: [{ url: "http://127.0.0.1:1" }] } }',
    '  routers:',
    '    pub: { rule: "Host(`public.test`)", service: app, entryPoints: [websecure], tls: {} }',
    '    adm: { rule: "Host(`admin.test`)", service: app, entryPoints: [websecure], tls: { options: mtls } }',
  ].join('\n') + '\n');
  dir.write('traefik.yml', staticYaml({ entryPoints: { websecure }, dynamicFile: dir.file('dynamic.yml') }));
  await edge?.stop();
  edge = new CliProcess(['--configFile=traefik.yml', '--log.format=json'], { cwd: dir.path });
  const running = edge;
  await running.waitFor(() => ['entrypoint listening', 'configuration applied'].every((m) => running.messages('info').includes(m)), 15_000, 'listening');
  return websecure;
}

const mtls = (caFile: string): string => `    mtls: { clientAuth: { caFiles: [${JSON.stringify(dir.file(caFile))}], clientAuthType: RequireAndVerifyClientCert } }`;

/** The status line answered to `GET /` for `host` on a TLS connection to `servername` ('' when nothing came back). */
function statusLine(port: number, servername: string, host: string, extra: tls.ConnectionOptions = {}): Promise<string> {
  return new Promise((resolve) => {
    let received = '';
    const socket = tls.connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'], ...extra });
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(received.split('\r\n')[0] ?? '');
    };
    const timer = setTimeout(done, 2000);
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.once('secureConnect', () => socket.write(`GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`));
    socket.once('close', done);
    socket.once('error', done);
  });
}

// The upstream (port 1) refuses: a 502 is the router's answer, so the client got through to it.
const SERVED = /^HTTP\/1\.1 502 /;

it('a host whose option requires a verified client certificate, under a default option that asks none, serves no client without one', async () => {
  const port = await start([mtls('trusted-ca.pem')]);
  assert.match(await statusLine(port, 'public.test', 'public.test'), SERVED, 'the default option\'s host is served');
  assert.equal(await statusLine(port, 'admin.test', 'admin.test'), '', 'no certificate: nothing served');
  assert.equal(await statusLine(port, 'admin.test', 'admin.test', { cert: trusted.cert, key: trusted.key }), '', 'never asked for, so never checked: refused too');
  assert.match(await statusLine(port, 'public.test', 'admin.test'), /^HTTP\/1\.1 421 /, 'another SNI for its Host: misdirected');
  // A session made for the default option's host, offered for the strict one.
  const ticket = await tlsTicket(port, 'public.test');
  assert.equal(await statusLine(port, 'admin.test', 'admin.test', { session: ticket }), '', 'a resumed session from another host: refused');
  // TLS 1.2: node reports no server name after resuming; the entrypoint's reading of the ClientHello names the host.
  const session = await tlsTicket(port, 'public.test', 'TLSv1.2');
  assert.equal(await statusLine(port, 'admin.test', 'admin.test', { session, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' }), '', 'a resumed TLS 1.2 session from another host: refused');
});

it('a host whose option verifies client certificates against other CAs than the default option\'s lets no certificate of the default\'s CAs in', async () => {
  const port = await start([
    `    default: { clientAuth: { caFiles: [${JSON.stringify(dir.file('other-ca.pem'))}], clientAuthType: RequireAndVerifyClientCert } }`,
    mtls('trusted-ca.pem'),
  ]);
  const otherClient = { cert: other.cert, key: other.key };
  assert.match(await statusLine(port, 'public.test', 'public.test', otherClient), SERVED, 'the default option\'s host serves its CA\'s client');
  assert.equal(await statusLine(port, 'admin.test', 'admin.test', otherClient), '', 'a certificate of the default\'s CA is no certificate of admin.test\'s');
});

it('a host whose option asks the same client authentication as the default option is served to a client with a certificate', async () => {
  const port = await start([
    `    default: { clientAuth: { caFiles: [${JSON.stringify(dir.file('trusted-ca.pem'))}], clientAuthType: RequireAndVerifyClientCert } }`,
    `    mtls: { minVersion: VersionTLS12, clientAuth: { caFiles: [${JSON.stringify(dir.file('trusted-ca.pem'))}], clientAuthType: RequireAndVerifyClientCert } }`,
  ]);
  assert.match(await statusLine(port, 'admin.test', 'admin.test', { cert: trusted.cert, key: trusted.key }), SERVED);
  assert.equal(await statusLine(port, 'admin.test', 'admin.test'), '', 'and to none without');
});

it('a host whose option lists cipherSuites the default option does not restrict serves no TLS 1.2 client that negotiated a suite outside its list', async () => {
  const port = await start(['    mtls: { cipherSuites: [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384] }']);
  const tls12 = (ciphers: string): tls.ConnectionOptions => ({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers });
  assert.match(await statusLine(port, 'admin.test', 'admin.test', tls12('ECDHE-RSA-AES256-GCM-SHA384')), SERVED, 'its own suite is served');
  assert.equal(await statusLine(port, 'admin.test', 'admin.test', tls12('ECDHE-RSA-AES128-GCM-SHA256')), '', 'another suite is not');
  assert.match(await statusLine(port, 'public.test', 'public.test', tls12('ECDHE-RSA-AES128-GCM-SHA256')), SERVED, 'the default option\'s host takes any of its suites');
  assert.match(await statusLine(port, 'admin.test', 'admin.test', { minVersion: 'TLSv1.3' }), SERVED, 'TLS 1.3 suites are not Go\'s to restrict');
});
