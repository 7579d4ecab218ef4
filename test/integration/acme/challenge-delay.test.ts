// tlsChallenge.delay (lego's tlsalpn01.SetDelay, Traefik v3.5+): the TLS-ALPN-01 answer is in place for `delay`
// before pe-edge asks the CA to validate it. Seen from outside: the entrypoint answers `acme-tls/1` handshakes with
// the challenge certificate, and the issued certificate is served no sooner than `delay` after that answer appeared.
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { before, describe, it } from 'node:test';
import { acmeSuite, waitForCertificate, type AcmeRig } from '../../support/acme-edge.js';
import { pebbleInstalled } from '../../support/pebble.js';

const skip = pebbleInstalled() ? false : 'Debian package pebble is not installed (.ci/run installs it)';

/** Whether the entrypoint answers an `acme-tls/1` handshake for `servername` now (a challenge is pending for it). */
function challengeAnswered(port: number, servername: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false, ALPNProtocols: ['acme-tls/1'] }, () => {
      resolve(socket.alpnProtocol === 'acme-tls/1');
      socket.destroy();
    });
    socket.once('error', () => resolve(false));
  });
}

/** Polls until the challenge answer appears; its time (ms since the epoch). */
async function answerAppears(port: number, servername: string, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await challengeAnswered(port, servername)) return Date.now();
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no acme-tls/1 answer for ${servername} within ${timeoutMs} ms`);
}

describe('tlsChallenge.delay against pebble', { skip }, () => {
  const suite = acmeSuite();
  let rig: AcmeRig;
  before(() => {
    rig = suite.rig;
  });

  it('the CA validates only after tlsChallenge.delay: the certificate comes at least that long after the answer appears', async () => {
    const delayMs = 3000;
    const proc = await suite.edge({
      resolvers: { alpn: { keyType: 'EC256', tlsChallenge: { delay: '3s' } } },
      routers: { app: { rule: 'Host(`delay.test`)', entryPoints: ['websecure'], service: 'app', tls: { certResolver: 'alpn' } } },
    });
    const answered = await answerAppears(rig.securePort, 'delay.test');
    await waitForCertificate(rig, proc, 'delay.test', (c) => c.trusted);
    const waited = Date.now() - answered;
    assert.ok(waited >= delayMs - 100, `certificate ${waited} ms after the challenge answer appeared (delay ${delayMs} ms)\n${proc.output()}`);
    assert.ok(!proc.messages().some((m) => m.includes('not implemented')), proc.output());
  });
});
