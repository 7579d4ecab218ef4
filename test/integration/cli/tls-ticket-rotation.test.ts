// TLS session-ticket keys that move forward (proxy/tls/session-ticket-keys.ts): tickets live 24 h, as Traefik's
// keys encrypt 24 h; after a rotation a ticket from before it gets a full handshake and a new one resumes, on the
// HTTPS entrypoint and on a TCP router terminating TLS alike. --workers: workers.test.ts.
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { CliProcess, freePort, staticYaml, TempConfigDir } from '../../support/cli-process.js';
import { echoServer, type TcpBackend } from '../../support/tcp-backends.js';
import { certificateLines, handshakeRouterLines } from '../../support/tls-router-lines.js';
import { freshTicketResumes, nextRotation, resumes, ticketLifetimeHint, tlsTicket } from '../../support/tls-resumption.js';

/** session-ticket-keys.ts TICKET_ROTATION_TEST_ENV (spelled out: the test runs against a build without it too). */
const ROTATION_TEST_ENV = 'PE_EDGE_TLS_TICKET_ROTATION_MS';

const dir = new TempConfigDir();
let edge: CliProcess | null = null;
let db: TcpBackend | null = null;
after(async () => {
  await edge?.stop();
  await db?.close();
  dir.remove();
});

/** HTTPS routers for every name on `websecure`, each with its own certificate, and a TCP router terminating TLS on `tcpsecure`. */
function dynamic(names: string[], dbAddress: string): string {
  return [
    ...certificateLines(dir, names),
    ...handshakeRouterLines(names),
    'tcp:',
    '  services:',
    `    db: { loadBalancer: { servers: [{ address: "${dbAddress}" }] } }`,
    '  routers:',
    '    db: { rule: "HostSNI(`db.test`)", service: db, entryPoints: [tcpsecure], tls: {} }',
  ].join('\n');
}

/** Starts pe-edge on `dynamic` with `env`; its HTTPS and TCP entrypoints' ports. */
async function start(names: string[], env: NodeJS.ProcessEnv = {}): Promise<{ websecure: number; tcpsecure: number }> {
  db ??= await echoServer('db:');
  const websecure = await freePort();
  const tcpsecure = await freePort();
  dir.write('dynamic.yml', dynamic([...names, 'db.test'], db.address));
  dir.write('traefik.yml', staticYaml({ entryPoints: { websecure, tcpsecure }, dynamicFile: dir.file('dynamic.yml') }));
  await edge?.stop();
  edge = new CliProcess(['--configFile=traefik.yml', '--log.format=json'], { cwd: dir.path, env });
  await edge.waitFor(() => edge?.messages('info').filter((m) => m === 'entrypoint listening').length === 2, 15_000, 'listening');
  return { websecure, tcpsecure };
}

/** Rewrites the dynamic file for `names` and waits until pe-edge applied it. */
async function reload(names: string[]): Promise<void> {
  const running = edge as CliProcess;
  const applied = running.messages('info').filter((m) => m === 'configuration applied').length;
  dir.write('dynamic.yml', dynamic([...names, 'db.test'], (db as TcpBackend).address));
  await running.waitFor(() => running.messages('info').filter((m) => m === 'configuration applied').length > applied, 15_000, 'the reload');
}

it('tickets live 24 h, as Traefik\'s keys encrypt 24 h (not node\'s default of 2 h), and resume, TLS 1.3 and 1.2, HTTPS and TCP, after a reload too', async () => {
  const { websecure, tcpsecure } = await start(['resume.test']);
  const check = async (when: string): Promise<void> => {
    for (const [port, name] of [[websecure, 'resume.test'], [tcpsecure, 'db.test']] as const) {
      for (const version of [undefined, 'TLSv1.2'] as const) {
        const session = await tlsTicket(port, name, version);
        const what = `${when}, ${name}, ${version ?? 'TLS 1.3'}`;
        assert.equal(ticketLifetimeHint(session), 86_400, `the ticket lifetime the server sent (${what})`);
        assert.equal(await resumes(port, name, session, version), true, `resumed (${what})`);
      }
    }
  };
  await check('at start');
  await reload(['resume.test', 'other.test']);
  await check('after a reload');
});

it('after a rotation a ticket from before it gets a full handshake and a new one resumes; a reload after it does not bring the old key back', { timeout: 60_000 }, async () => {
  const period = 5000;
  const { websecure, tcpsecure } = await start(['resume.test'], { [ROTATION_TEST_ENV]: String(period) });
  const tls12 = await tlsTicket(websecure, 'resume.test', 'TLSv1.2');
  const tcp = await tlsTicket(tcpsecure, 'db.test');
  const { old, seenAt } = await nextRotation(websecure, 'resume.test', 2 * period + 1000);
  // The rotation just passed: the next is a period away.
  assert.equal(await resumes(websecure, 'resume.test', tls12, 'TLSv1.2'), false, 'a TLS 1.2 ticket from before the rotation');
  assert.equal(await resumes(tcpsecure, 'db.test', tcp), false, 'a ticket from before the rotation, TCP router');
  assert.equal(await freshTicketResumes(websecure, 'resume.test'), true, 'a ticket from after the rotation');
  assert.equal(await freshTicketResumes(websecure, 'resume.test', 'TLSv1.2'), true, 'a TLS 1.2 ticket from after the rotation');
  assert.equal(await freshTicketResumes(tcpsecure, 'db.test'), true, 'a ticket from after the rotation, TCP router');

  // A reload replaces the HTTPS server's context (on the next connection) and makes new TCP terminations.
  await reload(['resume.test', 'other.test']);
  const checked = [
    await resumes(websecure, 'resume.test', old),
    await resumes(websecure, 'resume.test', tls12, 'TLSv1.2'),
    await resumes(tcpsecure, 'db.test', tcp),
  ];
  // Past the next rotation the old tickets would be refused whatever the reload did: this run could not tell.
  assert.ok(Date.now() - seenAt < period - 200, `the reload and the checks took ${Date.now() - seenAt} ms, more than a period`);
  assert.deepEqual(checked, [false, false, false], 'tickets from before the rotation, after a reload');
  assert.equal(await freshTicketResumes(websecure, 'resume.test'), true, 'a ticket from after the reload');
  assert.equal(await freshTicketResumes(tcpsecure, 'db.test'), true, 'a ticket from after the reload, TCP router');
});
