// HTTP client helpers for proxy tests: one-off requests and a bounded keep-alive load loop that
// counts every outcome, so a test can assert "zero failed requests" while the proxy reconfigures.
import { Agent, request } from 'undici';

export interface Reply {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** One request; `fresh` uses a new connection (and closes it) instead of the shared keep-alive agent. */
export async function httpGet(url: string, opts: { host?: string; fresh?: boolean; timeoutMs?: number } = {}): Promise<Reply> {
  const agent = opts.fresh === true ? new Agent({ pipelining: 0 }) : undefined;
  try {
    const res = await request(url, {
      method: 'GET',
      headers: opts.host !== undefined ? { host: opts.host } : {},
      headersTimeout: opts.timeoutMs ?? 5000,
      bodyTimeout: opts.timeoutMs ?? 5000,
      ...(agent !== undefined ? { dispatcher: agent } : {}),
    });
    return { status: res.statusCode, body: await res.body.text(), headers: res.headers };
  } finally {
    await agent?.close();
  }
}

/**
 * Polls `url` until `accept(reply)` holds, at most `timeoutMs`; returns the elapsed ms and the last reply.
 * Errors count as "not yet".
 */
export async function pollUntil(
  url: string,
  accept: (r: Reply) => boolean,
  opts: { host?: string; timeoutMs: number; intervalMs?: number },
): Promise<{ ok: boolean; elapsedMs: number; last: Reply | Error | undefined }> {
  const started = Date.now();
  let last: Reply | Error | undefined;
  while (Date.now() - started < opts.timeoutMs) {
    try {
      last = await httpGet(url, { host: opts.host, timeoutMs: 1000 });
      if (accept(last)) return { ok: true, elapsedMs: Date.now() - started, last };
    } catch (err) {
      last = err as Error;
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 20));
  }
  return { ok: false, elapsedMs: Date.now() - started, last };
}

export interface LoadStats {
  total: number;
  ok: number;
  /** Non-200 answers, by status, with a sample body each. */
  bad: Map<number, { count: number; body: string }>;
  errors: string[];
  /** 200 answers by body (the backends name themselves). */
  byBody: Map<string, number>;
}

/**
 * `concurrency` workers, each sending GETs back to back over one keep-alive agent, until `stop()`.
 * Bounded: each request times out after `timeoutMs`, and `stop()` waits for the requests in flight.
 */
export function startLoad(
  url: string,
  opts: {
    host?: string;
    concurrency?: number;
    timeoutMs?: number;
    /** one request per connection (`Connection: close`) */
    fresh?: boolean;
    /** each worker's pause between requests, to leave CPU to the rest of the machine */
    pauseMs?: number;
  } = {},
): { stop(): Promise<LoadStats>; stats: LoadStats } {
  const concurrency = opts.concurrency ?? 8;
  const agent = new Agent({ connections: concurrency, pipelining: 1, keepAliveTimeout: 30_000 });
  const stats: LoadStats = { total: 0, ok: 0, bad: new Map(), errors: [], byBody: new Map() };
  let running = true;
  const worker = async (): Promise<void> => {
    while (running) {
      stats.total++;
      try {
        const res = await request(url, {
          dispatcher: agent,
          reset: opts.fresh === true,
          headers: opts.host !== undefined ? { host: opts.host } : {},
          headersTimeout: opts.timeoutMs ?? 3000,
          bodyTimeout: opts.timeoutMs ?? 3000,
        });
        const body = await res.body.text();
        if (res.statusCode === 200) {
          stats.ok++;
          stats.byBody.set(body, (stats.byBody.get(body) ?? 0) + 1);
        } else {
          const entry = stats.bad.get(res.statusCode) ?? { count: 0, body };
          entry.count++;
          stats.bad.set(res.statusCode, entry);
        }
      } catch (err) {
        if (stats.errors.length < 20) stats.errors.push(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
        else stats.errors.push('...');
      }
      if (opts.pauseMs !== undefined) await new Promise((r) => setTimeout(r, opts.pauseMs));
    }
  };
  const workers = Array.from({ length: concurrency }, () => worker());
  return {
    stats,
    async stop() {
      running = false;
      await Promise.all(workers);
      await agent.close();
      return stats;
    },
  };
}

/** A readable one-liner for assertion messages. */
export function describeStats(s: LoadStats): string {
  const bad = [...s.bad].map(([status, { count, body }]) => `${status} x${count} (${JSON.stringify(body.slice(0, 80))})`).join(', ');
  return `total=${s.total} ok=${s.ok} bad=[${bad}] errors=${s.errors.length} ${JSON.stringify(s.errors.slice(0, 3))} byBody(${s.byBody.size})=${JSON.stringify([...s.byBody].slice(0, 5))}`;
}
