// A bug below a middleware that goes on with the chain later (a timer, a promise, a stream's event) must cost that
// request a 500, as one below a middleware that goes on at once does, never the process: nothing above such a
// callback catches, and an uncaught throw there ends node (and, under --workers, the primary stops every worker).
// The throwing handler stands in for any such bug, as in exchange-faults.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import bcrypt from 'bcryptjs';
import type { ExchangeFault } from '../../../proxy/http/exchange-fault.js';
import type { Handler } from '../../../proxy/http/request-context.js';
import { serveRoute, type EntryPointContext } from '../../../proxy/entrypoints/request-entry.js';
import { createRateLimit } from '../../../proxy/middlewares/traffic/rate-limit.js';
import { createBasicAuth } from '../../../proxy/middlewares/auth/basic-auth.js';
import { createBuffering } from '../../../proxy/middlewares/buffering.js';
import { serveOrFailOver } from '../../../proxy/services/failover-errors.js';
import { createMirroringService, MirrorCounters } from '../../../proxy/services/mirroring-service.js';
import { requestContext, type RequestSpec } from '../../support/request-context.js';

const buggy: Handler = () => {
  throw new TypeError('bug below the middleware');
};

/** Serves one request through `handler` on a router, and resolves once it was answered or cut (or after 3 s). */
async function serve(handler: Handler, spec: RequestSpec = {}, body: string | null = null): Promise<{ status: number; body: string; cut: boolean; faults: ExchangeFault[] }> {
  const faults: ExchangeFault[] = [];
  const ep: EntryPointContext = {
    name: 'web', getRuntime: () => { throw new Error('not used'); }, writeTimeout: 0, readTimeout: 0, trustAll: false, trusted: null,
    notAppendForwardedFor: false, underscoreHeaders: 'keep', onDone: null, faults: (f) => faults.push(f), sanitizePath: true, deniedEscapes: null,
  };
  const withBody = body === null ? spec : { ...spec, method: 'POST', headers: [...(spec.headers ?? []), ['Content-Length', String(body.length)] as const] };
  const ctx = { ...requestContext(withBody), faults: ep.faults };
  if (body !== null) ctx.streamedBody = Readable.from([Buffer.from(body)]);
  const over = new Promise<void>((resolve) => {
    ctx.res.once('close', () => resolve());
    setTimeout(resolve, 3000).unref();
  });
  serveRoute(ep, ctx, { name: 'r@file', tlsOptions: null, handler });
  await over;
  return { status: ctx.res.statusCode, body: ctx.res.body, cut: ctx.res.clientGone, faults };
}

function assertServerError(outcome: Awaited<ReturnType<typeof serve>>): void {
  assert.equal(outcome.status, 500);
  assert.equal(outcome.body, 'Internal Server Error\n');
  assert.equal(outcome.faults.length, 1, 'one fault report');
  assert.equal(outcome.faults[0]?.router, 'r@file');
  assert.equal(outcome.faults[0]?.error.message, 'bug below the middleware');
}

test('rateLimit: a request it delayed, then forwarded to a chain that throws, gets a 500', async () => {
  // 2 a second: a token every 500 ms, and a request may wait up to 250 ms for one (Traefik's maxDelay).
  const limited = createRateLimit({ average: 2, period: 1000, burst: 1 }, buggy);
  assertServerError(await serve(limited));
  await new Promise((resolve) => setTimeout(resolve, 300));
  // The next token comes in under 200 ms: this request waits for it, then goes on from a timer.
  const started = Date.now();
  const delayed = await serve(limited);
  assert.ok(Date.now() - started >= 50, 'the request was delayed, not forwarded at once');
  assertServerError(delayed);
});

test('basicAuth: a request whose bcrypt password was checked off the event loop, then forwarded to a chain that throws, gets a 500', async () => {
  const auth = createBasicAuth({ users: [`user:${bcrypt.hashSync('secret', 4)}`], usersFile: '', realm: '', headerField: '', removeHeader: false }, buggy);
  const credentials = Buffer.from('user:secret').toString('base64');
  assertServerError(await serve(auth, { headers: [['Authorization', `Basic ${credentials}`]] }));
});

test('buffering: a request whose body was read whole, then forwarded to a chain that throws, gets a 500', async () => {
  assertServerError(await serve(createBuffering({}, buggy), {}, 'a body'));
});

test('failover.errors: a request whose body was held for a replay, then sent to a main service that throws, is failed over on that 500', async () => {
  const fallback: Handler = (ctx) => {
    ctx.res.sendHead(200, {});
    ctx.res.end('from the fallback');
  };
  const failover: Handler = (ctx) => serveOrFailOver(ctx, { ranges: [[500, 599]], maxRequestBodyBytes: -1 }, buggy, fallback);
  const outcome = await serve(failover, {}, 'a body');
  // The 500 pe-edge produced for the bug is in the ranges: the fallback answers, as for any 500 of the main service.
  assert.deepEqual({ status: outcome.status, body: outcome.body, faults: outcome.faults.length }, { status: 200, body: 'from the fallback', faults: 1 });
});

test('mirroring: a request whose body was read for the mirrors, then sent to a main service that throws, gets a 500', async () => {
  const mirror: Handler = (ctx) => ctx.res.end('');
  const mirroring = createMirroringService(buggy, [{ handler: mirror, percent: 100 }], { mirrorBody: true, maxBodySize: -1 }, new MirrorCounters(1));
  assertServerError(await serve(mirroring, {}, 'a body'));
});
