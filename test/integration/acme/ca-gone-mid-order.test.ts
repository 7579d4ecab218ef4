// A CA that goes away while an order waits for its challenge to be validated: lego (Traefik) stops at the first poll
// the CA does not answer, and the resolver's retry takes over; nothing keeps asking a CA that is gone.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import { startAcmeEdge, type AcmeRig } from '../../support/acme-edge.js';
import { startBackend } from '../../support/backends.js';
import { freePort, TempConfigDir, type CliProcess } from '../../support/cli-process.js';
import { pebbleInstalled, startPebble, type Pebble } from '../../support/pebble.js';

const skip = pebbleInstalled() ? false : 'Debian package pebble is not installed (.ci/run installs it)';

describe('the CA stops answering while an order is being validated, against pebble', { skip }, () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  after(async () => {
    for (const clean of cleanups.reverse()) await clean();
  });

  /** pe-edge ordering a certificate for `host` from a pebble whose HTTP-01 checks go to `httpPort`, not to pe-edge. */
  async function edgeAgainstPebble(httpPort: number, host: string): Promise<{ pebble: Pebble; proc: CliProcess }> {
    const [webPort, securePort] = [await freePort(), await freePort()];
    const pebble = await startPebble({ httpPort, tlsPort: securePort });
    cleanups.push(() => pebble.close());
    const backend = await startBackend('app');
    cleanups.push(() => backend.close());
    const rig: AcmeRig = { pebble, backend, webPort, securePort, close: async () => {} };
    const dir = new TempConfigDir();
    cleanups.push(() => dir.remove());
    const proc = await startAcmeEdge(rig, dir, {
      resolvers: { le: { httpChallenge: { entryPoint: 'web' } } },
      routers: { app: { rule: `Host(\`${host}\`)`, entryPoints: ['websecure'], service: 'app', tls: { certResolver: 'le' } } },
    }, { PE_EDGE_ACME_RETRY_BASE: '60s' });
    cleanups.push(() => proc.stop());
    return { pebble, proc };
  }

  it('the order fails within seconds of the first unanswered poll, and the failure names the domain and the retry', async () => {
    // pebble's HTTP-01 check goes to a port that accepts and never answers: the challenge stays "processing" and
    // pe-edge keeps polling it until the test stops pebble.
    const validations: net.Socket[] = [];
    const silent = net.createServer((socket) => validations.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => {
      validations.forEach((s) => s.destroy());
      return new Promise<void>((resolve) => silent.close(() => resolve()));
    });
    const { pebble, proc } = await edgeAgainstPebble((silent.address() as net.AddressInfo).port, 'gone.test');

    await waitUntil(() => validations.length > 0, 20_000, `pebble's validation request to arrive\n${proc.output()}`);
    await pebble.stop();
    const stopped = Date.now();

    const failure = (): Record<string, unknown> | undefined =>
      proc.logs().find((r) => String(r.message ?? '').startsWith('Unable to obtain ACME certificate for domains "gone.test"'));
    await proc.waitFor(() => failure() !== undefined, 30_000, 'the failed order');
    const tookMs = Date.now() - stopped;
    // An unanswered poll costs acme-client's transport retry (2 attempts, 1 s apart) plus at most one 5 s wait
    // between polls; acme-client's own poll loop kept trying for more than 30 s.
    assert.ok(tookMs < 10_000, `the order failed ${tookMs} ms after the CA went away\n${proc.output()}`);
    assert.equal(failure()?.['retryInMs'], 60_000, 'the resolver\'s retry takes over');
    assert.equal(proc.messages().filter((m) => m.startsWith('Ordering ACME certificate')).length, 1, 'one order, not retried before its time');
  });

  it('a challenge the CA finds invalid ends the order at once, and the failure carries the CA\'s words', async () => {
    // pebble's HTTP-01 check reaches a server that answers 404: the challenge turns "invalid" on the CA's side.
    const wrong = await startBackend('wrong', (_req, res) => { res.writeHead(404); res.end('not here'); });
    cleanups.push(() => wrong.close());
    const { proc } = await edgeAgainstPebble(wrong.port, 'refused.test');

    const failure = (): Record<string, unknown> | undefined =>
      proc.logs().find((r) => String(r.message ?? '').startsWith('Unable to obtain ACME certificate for domains "refused.test"'));
    await proc.waitFor(() => failure() !== undefined, 30_000, 'the failed order');
    // pebble's problem detail names what its check got: the 404.
    assert.match(String(failure()?.['message']), /returned 404$/, proc.output());
    assert.doesNotMatch(String(failure()?.['message']), /Operation is pending or processing/, proc.output());
    assert.ok(wrong.seen.some((r) => r.url.startsWith('/.well-known/acme-challenge/')), 'pebble checked the challenge');
  });
});

async function waitUntil(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
