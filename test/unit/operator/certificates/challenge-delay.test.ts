// httpChallenge.delay (lego's http01.SetDelay): the HTTP-01 answer is published at once, and the solver hands the
// challenge back to acme-client (which then asks the CA to validate) only after the delay.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { acmeSchema } from '../../../../labels-spec/static/certificates-resolvers.js';
import { challengeSolvers } from '../../../../operator/certificates/challenge-solvers.js';
import { AcmeChallengeStore } from '../../../../proxy/tls/acme-challenges.js';

it('httpChallenge.delay: the answer is served during the delay; validation is asked for only after it', async () => {
  const store = new AcmeChallengeStore();
  const config = acmeSchema.parse({ httpChallenge: { entryPoint: 'web', delay: '300ms' } });
  const solver = challengeSolvers('le', config, store, {}).get('http-01');
  assert.ok(solver !== undefined);
  const started = Date.now();
  let done = false;
  const presented = solver.present('app.test', 'tok', 'tok.thumb', { identifier: { type: 'dns', value: 'app.test' } } as Parameters<typeof solver.present>[3]).then(() => { done = true; });
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(store.http01('tok', 'app.test'), 'tok.thumb', 'published before the delay ends');
  assert.equal(done, false, 'still waiting');
  await presented;
  assert.ok(Date.now() - started >= 290, `present took ${Date.now() - started} ms`);
});

it('httpChallenge without delay hands the challenge back at once', async () => {
  const store = new AcmeChallengeStore();
  const solver = challengeSolvers('le', acmeSchema.parse({ httpChallenge: { entryPoint: 'web' } }), store, {}).get('http-01');
  assert.ok(solver !== undefined);
  const started = Date.now();
  await solver.present('app.test', 'tok', 'tok.thumb', { identifier: { type: 'dns', value: 'app.test' } } as Parameters<typeof solver.present>[3]);
  assert.ok(Date.now() - started < 100);
  assert.equal(store.http01('tok', 'app.test'), 'tok.thumb');
});
