// HTTPS routers whose TLS options differ per host: each connection is negotiated under the option its SNI selects
// (client authentication, cipher suites, curves, ALPN, versions), as Traefik picks a whole tls.Config per ClientHello.
// `admin.test` under `mtls`, `public.test` under `default`, both to one backend that says whether a client
// certificate reached it (passTLSClientCert). The host → option map is an entrypoint's own, as Traefik's: the last
// tests put `admin.test` under other options on a second HTTPS entrypoint, `internal`.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import tls from 'node:tls';
import { startBackend, type Backend } from '../../support/backends.js';
import { CliProcess, freePort, staticYaml, TempConfigDir } from '../../support/cli-process.js';
import { certificateLines } from '../../support/tls-router-lines.js';
import { shortLivedClientCertificate } from '../../support/short-lived-client-certificate.js';
import { tlsTicket } from '../../support/tls-resumption.js';

const dir = new TempConfigDir();
let edge: CliProcess | null = null;
let backend: Backend;
before(async () => {
  backend = await startBackend('app', (req, res) => {
    const body = req.headers['x-forwarded-tls-client-cert'] === undefined ? 'no certificate' : 'certificate';
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
    res.end(body);
  });
});
after(async () => {
  await edge?.stop();
  await backend.close();
  dir.remove();
});

const trusted = shortLivedClientCertificate(3600);
const other = shortLivedClientCertificate(3600);
dir.write('trusted-ca.pem', trusted.ca);
dir.write('other-ca.pem', other.ca);
const trustedClient = { cert: trusted.cert, key: trusted.key };
const otherClient = { cert: other.cert, key: other.key };

/** The dynamic file: `public.test` under the default option, `admin.test` under `adminOptions`; `options`: the `tls.options` lines. */
function dynamic(options: string[], adminOptions = 'mtls'): string {
  return dynamicWith(options, [
    '    pub: { rule: "Host(`public.test`)", service: app, middlewares: [pass], entryPoints: [websecure], tls: {} }',
    `    adm: { rule: "Host(\`admin.test\`)", service: app, middlewares: [pass], entryPoints: [websecure], tls: { options: ${adminOptions} } }`,
  ]);
}

/** The dynamic file with `options` (the `tls.options` lines) and `routers` (the `http.routers` lines, to `app` through `pass`). */
function dynamicWith(options: string[], routers: string[]): string {
  return [
    ...certificateLines(dir, ['public.test', 'admin.test']),
    '  options:',
    ...options,
    'http:',
    '  middlewares:',
    '    pass: { passTLSClientCert: { pem: true } }',
    '  services:',
    `    app: { loadBalancer: { servers: [{ url: "${backend.url}" }] } }`,
    '  routers:',
    ...routers,
  ].join('\n') + '\n';
}

/** pe-edge on `dynamic(options, adminOptions)`; resolves with its HTTPS port. */
async function start(options: string[], adminOptions = 'mtls'): Promise<number> {
  const websecure = await freePort();
  dir.write('dynamic.yml', dynamic(options, adminOptions));
  dir.write('traefik.yml', staticYaml({ entryPoints: { websecure }, dynamicFile: dir.file('dynamic.yml') }));
  await edge?.stop();
  edge = new CliProcess(['--configFile=traefik.yml', '--log.format=json'], { cwd: dir.path });
  const running = edge;
  await running.waitFor(() => ['entrypoint listening', 'configuration applied'].every((m) => running.messages('info').includes(m)), 15_000, 'listening');
  return websecure;
}

/** Rewrites the dynamic file and waits until pe-edge applied it. */
async function reload(options: string[], adminOptions: string): Promise<void> {
  const running = edge as CliProcess;
  const applied = running.messages('info').filter((m) => m === 'configuration applied').length;
  dir.write('dynamic.yml', dynamic(options, adminOptions));
  await running.waitFor(() => running.messages('info').filter((m) => m === 'configuration applied').length > applied, 15_000, 'the reload');
}

const mtls = (caFile: string): string => `    mtls: { clientAuth: { caFiles: [${JSON.stringify(dir.file(caFile))}], clientAuthType: RequireAndVerifyClientCert } }`;

/** What a client saw of one `GET /` on a TLS connection. */
interface Exchange {
  /** The handshake completed (node's 'secureConnect'). */
  secure: boolean;
  resumed: boolean;
  protocol: string | null;
  alpn: string | false;
  /** The answer's status line and body ('' when none came). */
  status: string;
  body: string;
  /** The TLS error the connection ended with (an alert the server sent), if any. */
  error: string | undefined;
}

/** `GET /` for `host` on a TLS connection to `servername`, over HTTP/1.1 (whatever ALPN chose). */
function exchange(port: number, servername: string, host: string, extra: tls.ConnectionOptions = {}): Promise<Exchange> {
  return new Promise((resolve) => {
    let received = '';
    const seen: Exchange = { secure: false, resumed: false, protocol: null, alpn: false, status: '', body: '', error: undefined };
    const socket = tls.connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'], ...extra });
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      const [head = '', body = ''] = received.split('\r\n\r\n');
      resolve({ ...seen, status: head.split('\r\n')[0] ?? '', body });
    };
    const timer = setTimeout(done, 2000);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (/\r\n\r\n[\s\S]*(certificate|no certificate)$/.test(received) || /^HTTP\/1\.1 4\d\d /.test(received)) done();
    });
    socket.once('secureConnect', () => {
      Object.assign(seen, { secure: true, resumed: socket.isSessionReused(), protocol: socket.getProtocol(), alpn: socket.alpnProtocol });
      // h2 is not spoken here: its choice is all the ALPN test looks at.
      if (socket.alpnProtocol === 'h2') done();
      else socket.write(`GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    });
    socket.once('close', done);
    socket.once('error', (err: NodeJS.ErrnoException) => {
      seen.error = err.code ?? err.message;
      done();
    });
  });
}

const served = (seen: Exchange, body: string, why: string): void => {
  assert.match(seen.status, /^HTTP\/1\.1 200 /, `${why}: ${JSON.stringify(seen)}`);
  assert.equal(seen.body, body, why);
};
const TLS12 = { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' } as const;

it('a host whose option requires a verified client certificate serves a client with one from its CA, under a default option that asks none', async () => {
  const port = await start([mtls('trusted-ca.pem')]);
  served(await exchange(port, 'admin.test', 'admin.test', trustedClient), 'certificate', 'TLS 1.3, its CA\'s client certificate');
  served(await exchange(port, 'admin.test', 'admin.test', { ...trustedClient, ...TLS12 }), 'certificate', 'TLS 1.2, its CA\'s client certificate');

  const none = await exchange(port, 'admin.test', 'admin.test');
  assert.equal(none.status, '', 'no certificate: nothing served');
  assert.equal(none.error, 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'refused in the handshake, as Go: alert certificate required');
  const none12 = await exchange(port, 'admin.test', 'admin.test', TLS12);
  assert.equal(none12.secure, false, `TLS 1.2 without a certificate: the handshake fails ${JSON.stringify(none12)}`);
  // node closes the connection without an alert here (it checks the chain once OpenSSL is done); Go sends bad_certificate.
  assert.equal((await exchange(port, 'admin.test', 'admin.test', otherClient)).status, '', 'a certificate of another CA: nothing served');

  served(await exchange(port, 'public.test', 'public.test'), 'no certificate', 'the default option\'s host serves a client without one');
  served(await exchange(port, 'public.test', 'public.test', trustedClient), 'no certificate', 'and never asks for one: a client that has one sends none');
  assert.match((await exchange(port, 'public.test', 'admin.test', trustedClient)).status, /^HTTP\/1\.1 421 /, 'another SNI for its Host: misdirected');
});

it('a session made for the default option\'s host, offered for the mTLS one, makes a full handshake that asks the certificate (TLS 1.3 and 1.2)', async () => {
  const port = await start([mtls('trusted-ca.pem')]);
  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    const only = { minVersion: version, maxVersion: version };
    const session = await tlsTicket(port, 'public.test', version);
    const without = await exchange(port, 'admin.test', 'admin.test', { session, ...only });
    assert.equal(without.status, '', `${version}, no certificate: refused ${JSON.stringify(without)}`);
    const withCertificate = await exchange(port, 'admin.test', 'admin.test', { session, ...only, ...trustedClient });
    served(withCertificate, 'certificate', `${version}, its CA's certificate`);
    assert.equal(withCertificate.resumed, false, `${version}: a full handshake, not the public host's session`);
  }
  // Its own sessions resume, the certificate with them.
  const own = await new Promise<Buffer>((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'admin.test', rejectUnauthorized: false, ...trustedClient });
    socket.once('session', (ticket: Buffer) => {
      resolve(ticket);
      socket.end();
    });
    socket.once('error', reject);
    socket.resume();
  });
  const again = await exchange(port, 'admin.test', 'admin.test', { session: own, ...trustedClient });
  served(again, 'certificate', 'its own session');
  assert.equal(again.resumed, true, 'resumed');
});

it('a host whose option verifies client certificates against other CAs than the default option\'s takes its own CA\'s, never the default\'s', async () => {
  const port = await start([
    `    default: { clientAuth: { caFiles: [${JSON.stringify(dir.file('other-ca.pem'))}], clientAuthType: RequireAndVerifyClientCert } }`,
    mtls('trusted-ca.pem'),
  ]);
  served(await exchange(port, 'public.test', 'public.test', otherClient), 'certificate', 'the default option\'s host serves its CA\'s client');
  assert.equal((await exchange(port, 'public.test', 'public.test', trustedClient)).status, '', 'and not admin.test\'s CA\'s');
  served(await exchange(port, 'admin.test', 'admin.test', trustedClient), 'certificate', 'admin.test serves its own CA\'s client');
  assert.equal((await exchange(port, 'admin.test', 'admin.test', otherClient)).status, '', 'a certificate of the default\'s CA is no certificate of admin.test\'s');
});

it('a host whose option asks the same client authentication as the default option is served to a client with a certificate', async () => {
  const port = await start([
    `    default: { clientAuth: { caFiles: [${JSON.stringify(dir.file('trusted-ca.pem'))}], clientAuthType: RequireAndVerifyClientCert } }`,
    `    mtls: { minVersion: VersionTLS12, clientAuth: { caFiles: [${JSON.stringify(dir.file('trusted-ca.pem'))}], clientAuthType: RequireAndVerifyClientCert } }`,
  ]);
  served(await exchange(port, 'admin.test', 'admin.test', trustedClient), 'certificate', 'with one');
  assert.equal((await exchange(port, 'admin.test', 'admin.test')).status, '', 'and to none without');
});

it('a host\'s cipherSuites and curvePreferences are the ones its handshakes negotiate (TLS 1.2)', async () => {
  const port = await start(['    mtls: { cipherSuites: [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384], curvePreferences: [CurveP384] }']);
  const tls12 = (ciphers: string, ecdhCurve = 'P-384:X25519'): tls.ConnectionOptions => ({ ...TLS12, ciphers, ecdhCurve });
  served(await exchange(port, 'admin.test', 'admin.test', tls12('ECDHE-RSA-AES256-GCM-SHA384')), 'no certificate', 'its own suite is served');
  const outside = await exchange(port, 'admin.test', 'admin.test', tls12('ECDHE-RSA-AES128-GCM-SHA256'));
  assert.equal(outside.secure, false, `a suite outside its list: the handshake fails ${JSON.stringify(outside)}`);
  served(await exchange(port, 'admin.test', 'admin.test', tls12('ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384')), 'no certificate',
    'a client offering both gets its suite');
  const x25519 = await exchange(port, 'admin.test', 'admin.test', tls12('ECDHE-RSA-AES256-GCM-SHA384', 'X25519'));
  assert.equal(x25519.secure, false, `a curve outside its curvePreferences: the handshake fails ${JSON.stringify(x25519)}`);
  served(await exchange(port, 'public.test', 'public.test', tls12('ECDHE-RSA-AES128-GCM-SHA256', 'X25519')), 'no certificate', 'the default option\'s host takes any of its suites and curves');
  served(await exchange(port, 'admin.test', 'admin.test', { minVersion: 'TLSv1.3' }), 'no certificate', 'TLS 1.3 suites are not Go\'s to restrict');
});

it('a host\'s alpnProtocols and minVersion are its own', async () => {
  const port = await start(['    mtls: { minVersion: VersionTLS13, alpnProtocols: [http/1.1] }']);
  const both = { ALPNProtocols: ['h2', 'http/1.1'] };
  assert.equal((await exchange(port, 'public.test', 'public.test', both)).alpn, 'h2', 'the default option offers h2 first');
  const admin = await exchange(port, 'admin.test', 'admin.test', both);
  assert.equal(admin.alpn, 'http/1.1', 'admin.test\'s option offers http/1.1 only');
  served(admin, 'no certificate', 'and is served over it');
  assert.equal((await exchange(port, 'admin.test', 'admin.test', TLS12)).secure, false, 'TLS 1.2 is below its minVersion');
  assert.equal((await exchange(port, 'public.test', 'public.test', TLS12)).protocol, 'TLSv1.2', 'and not below the default\'s');
});

it('a reload that puts a host under mTLS asks new connections for a certificate; one opened before keeps being served', async () => {
  const options = [mtls('trusted-ca.pem')];
  const port = await start(options, 'default');
  served(await exchange(port, 'admin.test', 'admin.test'), 'no certificate', 'under the default option, no certificate asked');
  // A keep-alive connection opened now, asked for a second request after the reload.
  const early = tls.connect({ host: '127.0.0.1', port, servername: 'admin.test', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
  const answers: string[] = [];
  early.on('data', (chunk: Buffer) => answers.push(chunk.toString('latin1')));
  await new Promise((resolve) => early.once('secureConnect', resolve));
  const ask = async (): Promise<string> => {
    const before = answers.length;
    early.write('GET / HTTP/1.1\r\nHost: admin.test\r\n\r\n');
    const started = Date.now();
    while (answers.length === before && Date.now() - started < 2000) await new Promise((r) => setTimeout(r, 20));
    return answers.slice(before).join('');
  };
  assert.match(await ask(), /^HTTP\/1\.1 200 /);

  await reload(options, 'mtls');
  assert.equal((await exchange(port, 'admin.test', 'admin.test')).status, '', 'after the reload: no certificate, nothing served');
  served(await exchange(port, 'admin.test', 'admin.test', trustedClient), 'certificate', 'its CA\'s certificate is asked for and served');
  served(await exchange(port, 'public.test', 'public.test'), 'no certificate', 'the other host as before');
  assert.match(await ask(), /^HTTP\/1\.1 200 /, 'the connection made before the reload is not dropped');
  early.destroy();

  await reload(options, 'default');
  served(await exchange(port, 'admin.test', 'admin.test'), 'no certificate', 'back under the default option');
});

/** pe-edge with two HTTPS entrypoints, `websecure` and `internal`, and the API on `traefik`, on `dynamicWith(options, routers)`. */
async function startTwoEntryPoints(options: string[], routers: string[]): Promise<{ websecure: number; internal: number; api: number }> {
  const ports = { websecure: await freePort(), internal: await freePort(), traefik: await freePort() };
  dir.write('dynamic.yml', dynamicWith(options, routers));
  dir.write('traefik.yml', staticYaml({ entryPoints: ports, dynamicFile: dir.file('dynamic.yml'), extra: 'api:\n  insecure: true' }));
  await edge?.stop();
  edge = new CliProcess(['--configFile=traefik.yml', '--log.format=json'], { cwd: dir.path });
  const running = edge;
  await running.waitListening(3, 15_000);
  await running.waitFor(() => running.messages('info').includes('configuration applied'), 15_000, 'configuration applied');
  return { websecure: ports.websecure, internal: ports.internal, api: ports.traefik };
}

/** A router as the API shows it: its status and errors. */
async function apiRouter(port: number, name: string): Promise<{ status: string; error?: string[] }> {
  const res = await fetch(`http://127.0.0.1:${port}/api/http/routers/${name}`);
  assert.equal(res.status, 200, name);
  return (await res.json()) as { status: string; error?: string[] };
}

it('a host under mTLS on one entrypoint and under the default option on another: a certificate is required on the first, never asked on the second', async () => {
  const { websecure, internal, api } = await startTwoEntryPoints([mtls('trusted-ca.pem')], [
    '    pub: { rule: "Host(`public.test`)", service: app, middlewares: [pass], entryPoints: [websecure], tls: {} }',
    '    adm: { rule: "Host(`admin.test`)", service: app, middlewares: [pass], entryPoints: [websecure], tls: { options: mtls } }',
    '    adm-internal: { rule: "Host(`admin.test`)", service: app, middlewares: [pass], entryPoints: [internal], tls: {} }',
  ]);
  const none = await exchange(websecure, 'admin.test', 'admin.test');
  assert.equal(none.status, '', `websecure, no certificate: nothing served ${JSON.stringify(none)}`);
  assert.equal(none.error, 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'refused in the handshake');
  served(await exchange(websecure, 'admin.test', 'admin.test', trustedClient), 'certificate', 'websecure, its CA\'s certificate');
  assert.match((await exchange(websecure, 'public.test', 'admin.test')).status, /^HTTP\/1\.1 421 /, 'websecure: another SNI for the mTLS host is misdirected');

  served(await exchange(internal, 'admin.test', 'admin.test'), 'no certificate', 'internal: served without a certificate');
  served(await exchange(internal, 'admin.test', 'admin.test', trustedClient), 'no certificate', 'internal: and none asked of a client that has one');
  served(await exchange(internal, 'public.test', 'admin.test'), 'no certificate', 'internal: admin.test is under default there, as the SNI\'s host');
  for (const name of ['adm@file', 'adm-internal@file']) {
    const router = await apiRouter(api, name);
    assert.equal(router.status, 'enabled', `${name}: one option per host on each entrypoint is no conflict ${JSON.stringify(router)}`);
    assert.equal(router.error, undefined, name);
  }
});

it('a host two TLS options claim on one entrypoint gets the default option there only, and its routers say so', async () => {
  const { websecure, internal, api } = await startTwoEntryPoints([mtls('trusted-ca.pem'), '    modern: { minVersion: VersionTLS13 }'], [
    '    adm: { rule: "Host(`admin.test`)", service: app, middlewares: [pass], entryPoints: [websecure], tls: { options: mtls } }',
    '    int-a: { rule: "Host(`admin.test`)", service: app, middlewares: [pass], entryPoints: [internal], tls: { options: mtls } }',
    '    int-b: { rule: "Host(`admin.test`) && PathPrefix(`/b`)", service: app, middlewares: [pass], entryPoints: [internal], tls: { options: modern } }',
    // A `*.test` entry does not take the conflicting host over: it is mapped to `default` itself (Traefik).
    '    int-wild: { rule: "Host(`*.test`)", service: app, middlewares: [pass], entryPoints: [internal], tls: { options: mtls } }',
  ]);
  assert.equal((await exchange(websecure, 'admin.test', 'admin.test')).status, '', 'websecure, no certificate: nothing served (mtls there)');
  served(await exchange(websecure, 'admin.test', 'admin.test', trustedClient), 'certificate', 'websecure, its CA\'s certificate');

  served(await exchange(internal, 'admin.test', 'admin.test'), 'no certificate', 'internal: the conflict falls back to default, no certificate asked');
  assert.equal((await exchange(internal, 'admin.test', 'admin.test', TLS12)).protocol, 'TLSv1.2', 'internal: nor modern\'s minimum version');

  const message = 'found different TLS options for routers on the same host admin.test, so using the default TLS options instead';
  for (const name of ['int-a@file', 'int-b@file']) {
    const router = await apiRouter(api, name);
    assert.equal(router.status, 'warning', `${name} ${JSON.stringify(router)}`);
    assert.deepEqual(router.error, [message], name);
  }
  const adm = await apiRouter(api, 'adm@file');
  assert.equal(adm.status, 'enabled', `adm: no conflict on websecure ${JSON.stringify(adm)}`);
  const warnings = (edge as CliProcess).messages('warn');
  for (const name of ['int-a@file', 'int-b@file']) assert.ok(warnings.includes(`router "${name}": ${message}`), `logged for ${name}: ${JSON.stringify(warnings)}`);
});

it('a router under mTLS options whose rule names no host says its options depend on the SNI (Traefik\'s warning), and serves by the SNI\'s', async () => {
  const { websecure, api } = await startTwoEntryPoints([mtls('trusted-ca.pem')], [
    '    assets: { rule: "PathPrefix(`/`)", service: app, middlewares: [pass], entryPoints: [websecure], tls: { options: mtls } }',
    '    plain: { rule: "PathPrefix(`/public`)", service: app, middlewares: [pass], entryPoints: [websecure], tls: {} }',
  ]);
  const message = 'No domain found in rule PathPrefix(`/`), the TLS options applied for this router will depend on the SNI of each request';
  const assets = await apiRouter(api, 'assets@file');
  assert.equal(assets.status, 'warning', JSON.stringify(assets));
  assert.deepEqual(assets.error, [message]);
  const plain = await apiRouter(api, 'plain@file');
  assert.equal(plain.status, 'enabled', `default options: nothing to warn of ${JSON.stringify(plain)}`);
  assert.ok((edge as CliProcess).messages('warn').includes(`router "assets@file": ${message}`), 'logged');
  served(await exchange(websecure, 'public.test', 'public.test'), 'no certificate', 'the SNI selected the default option: no certificate asked');
});
