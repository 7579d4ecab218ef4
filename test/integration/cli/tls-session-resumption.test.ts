// TLS session resumption across a reload: a client that reconnects offering its session ticket resumes it (an
// abbreviated handshake) after the TLS store changed, as before it, unless the reload changed who may connect.
// --workers: workers.test.ts.
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import tls, { type TLSSocket } from 'node:tls';
import { CliProcess, freePort, staticYaml, TempConfigDir } from '../../support/cli-process.js';
import { resumesTls12UnderAnotherName, tlsResume, tlsTicket } from '../../support/tls-resumption.js';
import { certificateLines, handshakeRouterLines } from '../../support/tls-router-lines.js';
import { certificateFor } from '../../support/tcp-backends.js';
import { shortLivedClientCertificate } from '../../support/short-lived-client-certificate.js';

const dir = new TempConfigDir();
let edge: CliProcess | null = null;
after(async () => {
  await edge?.stop();
  dir.remove();
});

/** The dynamic file: a TLS router for every name, each with its own certificate; `tlsLines`: more of its `tls` section. */
function dynamic(names: string[], tlsLines: string[] = []): string {
  return [...certificateLines(dir, names), ...tlsLines, ...handshakeRouterLines(names)].join('\n');
}

/** Starts pe-edge on `dynamic`, its HTTPS entrypoint on a free port. */
async function start(content: string): Promise<number> {
  const websecure = await freePort();
  dir.write('dynamic.yml', content);
  dir.write('traefik.yml', staticYaml({ entryPoints: { websecure }, dynamicFile: dir.file('dynamic.yml') }));
  await edge?.stop();
  edge = new CliProcess(['--configFile=traefik.yml', '--log.format=json'], { cwd: dir.path });
  await edge.waitFor(() => edge?.messages('info').includes('entrypoint listening') === true, 15_000, 'listening');
  return websecure;
}

/** Rewrites the dynamic file and waits until pe-edge applied it. */
async function reload(content: string): Promise<void> {
  const running = edge as CliProcess;
  const applied = running.messages('info').filter((m) => m === 'configuration applied').length;
  dir.write('dynamic.yml', content);
  await running.waitFor(() => running.messages('info').filter((m) => m === 'configuration applied').length > applied, 15_000, 'the reload');
}

/** Sends a request on an open TLS connection; resolves with whatever came back before it closed (or 2 s passed). */
function answerOn(socket: TLSSocket): Promise<string> {
  return new Promise((resolve) => {
    let received = '';
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(received);
    };
    const timer = setTimeout(done, 2000);
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.once('close', done);
    socket.once('error', done);
    socket.write('GET / HTTP/1.1\r\nHost: resume.test\r\n\r\n');
  });
}

it('a session ticket given before a reload that changed the certificates still resumes the session after it', async () => {
  const websecure = await start(dynamic(['resume.test']));
  const ticket = await tlsTicket(websecure, 'resume.test');
  const before = await tlsResume(websecure, 'resume.test', ticket);
  before.socket.end();
  assert.equal(before.resumed, true, 'resumed before the reload');

  await reload(dynamic(['resume.test', 'other.test']));
  // The new store is in use: the certificate added for other.test is served (a full handshake, no ticket).
  const other = await tlsResume(websecure, 'other.test');
  other.socket.end();
  assert.equal(other.peerName, 'other.test');
  const afterReload = await tlsResume(websecure, 'resume.test', ticket);
  afterReload.socket.end();
  assert.equal(afterReload.resumed, true, 'resumed after the reload');
});

it('a session ticket given before a reload that made client certificates mandatory lets no client without one in', async () => {
  const websecure = await start(dynamic(['resume.test']));
  const ticket = await tlsTicket(websecure, 'resume.test');
  const ca = certificateFor('client-ca');
  dir.write('client-ca.pem', ca.cert);
  await reload(dynamic(['resume.test'], [
    '  options:',
    `    default: { clientAuth: { caFiles: [${JSON.stringify(dir.file('client-ca.pem'))}], clientAuthType: RequireAndVerifyClientCert } }`,
  ]));
  const offered = await tlsResume(websecure, 'resume.test', ticket).catch((err: Error) => err);
  if (offered instanceof Error) return; // refused during the handshake: what a full handshake without a certificate gets
  assert.equal(offered.resumed, false, 'the session made under the old client authentication is not resumed');
  assert.equal(await answerOn(offered.socket), '', 'no answer to a client without a certificate');
});

it('with RequireAndVerifyClientCert, a client whose certificate expired after its ticket was made is refused when it resumes, as Go refuses to resume such a session', { timeout: 30_000 }, async () => {
  // Valid for 10 s from here: pe-edge starts and both first handshakes must fit in it (4 s failed a run on a busy
  // machine, where the start alone took that long); the test then waits for it to expire.
  const client = shortLivedClientCertificate(10);
  dir.write('short-ca.pem', client.ca);
  const websecure = await start(dynamic(['resume.test'], [
    '  options:',
    `    default: { clientAuth: { caFiles: [${JSON.stringify(dir.file('short-ca.pem'))}], clientAuthType: RequireAndVerifyClientCert } }`,
  ]));
  const tickets = new Map<tls.SecureVersion, Buffer>();
  // A TLS 1.2 ticket comes within the handshake, a TLS 1.3 one after it: listened for from the start.
  const connect = (version: tls.SecureVersion, session?: Buffer): Promise<TLSSocket> => new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port: websecure, servername: 'resume.test', rejectUnauthorized: false, cert: client.cert, key: client.key,
      minVersion: version, maxVersion: version, ...(session !== undefined ? { session } : {}) });
    if (session === undefined) socket.once('session', (ticket: Buffer) => tickets.set(version, ticket));
    socket.once('secureConnect', () => resolve(socket));
    socket.once('error', reject);
  });
  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    const socket = await connect(version);
    assert.match(await answerOn(socket), /^HTTP\/1\.1 /, `${version}: served while the certificate is valid`);
  }
  await new Promise((r) => setTimeout(r, Math.max(0, client.notAfter - Date.now()) + 1500));
  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    const ticket = tickets.get(version);
    assert.ok(ticket !== undefined, `${version}: a ticket came`);
    const full = await connect(version, Buffer.alloc(0)).then((socket) => answerOn(socket), () => '');
    assert.equal(full, '', `${version}: a full handshake with the expired certificate gets nothing`);
    const resumed = await connect(version, ticket).catch((err: Error) => err);
    if (resumed instanceof Error) continue; // refused during the handshake
    assert.equal(resumed.isSessionReused(), true, `${version}: the session resumed`);
    assert.equal(await answerOn(resumed), '', `${version}: no answer to a resumed session whose client certificate has expired`);
  }
});

it('with sniStrict, a session ticket offered with a name that has no certificate lets the client in no more than a full handshake would', async () => {
  const websecure = await start(dynamic(['resume.test'], ['  options:', '    default: { sniStrict: true }']));
  const ticket = await tlsTicket(websecure, 'resume.test');
  const same = await tlsResume(websecure, 'resume.test', ticket);
  assert.equal(same.resumed, true, 'its own name resumes');
  assert.match(await answerOn(same.socket), /^HTTP\/1\.1 /, 'and is served');
  const offered = await tlsResume(websecure, 'unknown.test', ticket).catch((err: Error) => err);
  if (offered instanceof Error) return; // refused during the handshake
  assert.equal(await answerOn(offered.socket), '', 'no answer for a name without a certificate');
});

// node reports no server name after a resumed TLS 1.2 handshake; the entrypoint reads it from the ClientHello.
it('with sniStrict, a TLS 1.2 session resumes for its own name and is served, and a name without a certificate is not', async () => {
  const websecure = await start(dynamic(['resume.test'], ['  options:', '    default: { sniStrict: true }']));
  const session = await tlsTicket(websecure, 'resume.test', 'TLSv1.2');
  const same = await tlsResume(websecure, 'resume.test', session, 'TLSv1.2');
  assert.equal(same.resumed, true, 'the TLS 1.2 session resumed');
  assert.match(await answerOn(same.socket), /^HTTP\/1\.1 /, 'and is served');
  const offered = await tlsResume(websecure, 'unknown.test', session, 'TLSv1.2').catch((err: Error) => err);
  // OpenSSL before 3.5 resumes it whatever name is offered: the check after the handshake is what refuses it then.
  if (resumesTls12UnderAnotherName()) assert.ok(!(offered instanceof Error) && offered.resumed, 'resumed with another name');
  if (!(offered instanceof Error)) assert.equal(await answerOn(offered.socket), '', 'no answer for a name without a certificate');
});

it('a TLS 1.2 session resumed for a host with TLS options of its own is served under them, not refused as misdirected', async () => {
  const websecure = await start(dynamic(['resume.test'], ['  options:', '    own: { minVersion: VersionTLS12 }']).replace('tls: {} }', 'tls: { options: own } }'));
  const session = await tlsTicket(websecure, 'resume.test', 'TLSv1.2');
  const resumed = await tlsResume(websecure, 'resume.test', session, 'TLSv1.2');
  assert.equal(resumed.resumed, true, 'the TLS 1.2 session resumed');
  // The upstream (port 1) refuses: 502 is the router's answer; 421 would say the SNI chose other options.
  assert.match(await answerOn(resumed.socket), /^HTTP\/1\.1 502 /);
});
