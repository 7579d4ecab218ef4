import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compressedBody } from '../../../proxy/middlewares/response/compressed-body.js';
import type { ResponseHeaders } from '../../../proxy/http/request-context.js';
import { requestContext } from '../../support/request-context.js';

// A chunked answer (no Content-Length) whose first read passes minResponseBodyBytes is held for one turn of the
// event loop, to be compressed whole if it ends in that turn. If the upstream fails in that same turn, the forwarder
// answers itself (a 502 after bad chunk framing) or the client has left: the held body then has nowhere to go, and
// the turn's end must not open an encoder on the finished answer nor send the upstream's held head.

const BODY = Buffer.from('<p>' + 'a journal line that repeats\n'.repeat(60));

function held(): { ctx: ReturnType<typeof requestContext>; sink: NonNullable<ReturnType<typeof compressedBody>>; heads: () => number } {
  const ctx = requestContext({ url: '/page' });
  const headers: ResponseHeaders = { 'content-type': 'text/html' };
  let heads = 0;
  const sink = compressedBody(ctx, 'gzip', true, 1024, 200, headers, () => {
    heads++;
    ctx.res.sendHead(200, headers);
  });
  assert.ok(sink !== null);
  assert.ok(BODY.length > 1024 && BODY.length < 64 * 1024);
  sink.write(BODY);
  return { ctx, sink, heads: () => heads };
}

const nextTurns = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 30));

test('compress: a held chunked body whose upstream failed in the same turn (the forwarder answered 502) is dropped, not streamed into the 502', async () => {
  const { ctx, heads } = held();
  // What the forwarder does on an upstream error while the head is held (sendStatusText): its own answer.
  ctx.res.sendHead(502, { 'content-length': '11' });
  ctx.res.end('Bad Gateway');
  await nextTurns();
  assert.equal(heads(), 0, 'the upstream\'s held head is not sent');
  assert.equal(ctx.res.statusCode, 502);
  assert.equal(ctx.res.body, 'Bad Gateway', 'nothing compressed follows the 502');
  assert.equal(ctx.res.listenerCount('close'), 0, 'no encoder was relayed to the finished answer (it would stay open until collected)');
  assert.equal(ctx.res.listenerCount('drain'), 0);
});

test('compress: a held chunked body whose client left in the same turn is dropped: no head is sent to a gone client', async () => {
  const { ctx, heads } = held();
  ctx.res.destroy();
  await nextTurns();
  assert.equal(heads(), 0, 'sending the head to a gone client is a fault the forwarder reports');
  assert.equal(ctx.res.listenerCount('close'), 0, 'no encoder was opened');
});

test('compress: a held chunked body still coming at the next turn streams; one ending in the same turn goes out whole', async () => {
  const streamed = held();
  await nextTurns();
  assert.equal(streamed.heads(), 1);
  assert.equal(streamed.ctx.res.headers['content-encoding'], 'gzip');
  assert.equal(streamed.ctx.res.headers['content-length'], undefined);
  const whole = held();
  whole.sink.end();
  await nextTurns();
  assert.equal(whole.heads(), 1);
  assert.equal(whole.ctx.res.headers['content-encoding'], 'gzip');
  assert.ok(Number(whole.ctx.res.headers['content-length']) > 0, 'compressed whole: a Content-Length');
  assert.ok(whole.ctx.res.writableEnded);
});
