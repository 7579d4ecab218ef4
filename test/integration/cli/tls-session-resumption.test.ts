// TLS session resumption across a reload: a client that reconnects offering its session ticket resumes it (an
// abbreviated handshake) after the TLS store changed, as before it. --workers: workers.test.ts.
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { CliProcess, freePort, staticYaml, TempConfigDir } from '../../support/cli-process.js';
import { certificateFor } from '../../support/tcp-backends.js';
import { tlsResume, tlsTicket } from '../../support/tls-resumption.js';

const dir = new TempConfigDir();
let edge: CliProcess | null = null;
after(async () => {
  await edge?.stop();
  dir.remove();
});

/** The dynamic file: a TLS router for every name, each with its own certificate. */
function dynamic(names: string[]): string {
  for (const name of names) {
    const { cert, key } = certificateFor(name);
    dir.write(`${name}.crt`, cert);
    dir.write(`${name}.key`, key);
  }
  return [
    'tls:',
    '  certificates:',
    ...names.map((n) => `    - { certFile: ${JSON.stringify(dir.file(`${n}.crt`))}, keyFile: ${JSON.stringify(dir.file(`${n}.key`))} }`),
    'http:',
    '  services:',
    '    app: { loadBalancer: { servers: [{ url: "http://127.0.0.1:1" }] } }',
    '  routers:',
    ...names.map((n, i) => `    r${i}: { rule: "Host(\`${n}\`)", service: app, entryPoints: [websecure], tls: {} }`),
  ].join('\n');
}

it('a session ticket given before a reload that changed the certificates still resumes the session after it', async () => {
  const websecure = await freePort();
  dir.write('dynamic.yml', dynamic(['resume.test']));
  dir.write('traefik.yml', staticYaml({ entryPoints: { websecure }, dynamicFile: dir.file('dynamic.yml') }));
  edge = new CliProcess(['--configFile=traefik.yml', '--log.format=json'], { cwd: dir.path });
  await edge.waitFor(() => edge?.messages('info').includes('entrypoint listening') === true, 15_000, 'listening');
  const ticket = await tlsTicket(websecure, 'resume.test');
  const before = await tlsResume(websecure, 'resume.test', ticket);
  before.socket.end();
  assert.equal(before.resumed, true, 'resumed before the reload');

  const applied = edge.messages('info').filter((m) => m === 'configuration applied').length;
  dir.write('dynamic.yml', dynamic(['resume.test', 'other.test']));
  await edge.waitFor(() => (edge?.messages('info').filter((m) => m === 'configuration applied').length ?? 0) > applied, 15_000, 'the reload');
  // The new store is in use: the certificate added for other.test is served (a full handshake, no ticket).
  const other = await tlsResume(websecure, 'other.test');
  other.socket.end();
  assert.equal(other.peerName, 'other.test');
  const afterReload = await tlsResume(websecure, 'resume.test', ticket);
  afterReload.socket.end();
  assert.equal(afterReload.resumed, true, 'resumed after the reload');
});
