// The access log hook on fake exchanges: RetryAttempts, RequestContentSize and the one 499 rule.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createAccessLog } from '../../../proxy/observability/access-log.js';
import { createAccessLogHook } from '../../../proxy/observability/access-log-hook.js';
import { fakeContext } from '../middlewares/fake-context.js';

function hookWithLines(): { hook: NonNullable<ReturnType<typeof createAccessLogHook>>; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const cfg = { format: 'json' };
  const hook = createAccessLogHook(cfg, createAccessLog(cfg, { sink: { write: (l: string) => lines.push(JSON.parse(l) as Record<string, unknown>) } }));
  assert.ok(hook);
  return { hook, lines };
}

describe('access log hook', () => {
  it('fills RetryAttempts from the retries made and RequestContentSize from the request body', () => {
    const { hook, lines } = hookWithLines();
    const { ctx } = fakeContext({ method: 'POST', headers: [['Content-Length', '11']] });
    ctx.routerName = 'r@file';
    ctx.retries = 2;
    ctx.res.sendHead(502, { 'content-length': '11' });
    hook(ctx);
    assert.deepEqual([lines[0]?.['RetryAttempts'], lines[0]?.['RequestContentSize'], lines[0]?.['DownstreamStatus']], [2, 11, 502]);
  });

  it('a client gone before any head is 499; after the head, the head\'s status (Traefik logs what was written)', () => {
    const { hook, lines } = hookWithLines();
    const gone = fakeContext().ctx;
    gone.routerName = 'r@file';
    hook(gone);
    const cut = fakeContext().ctx;
    cut.routerName = 'r@file';
    cut.res.sendHead(200, {});
    hook(cut);
    assert.deepEqual(lines.map((l) => l['DownstreamStatus']), [499, 200]);
  });
});
