import type { Handler, RequestContext } from '../../http/request-context.js';
import { sendGoError, sendStatusText } from '../../http/traefik-responses.js';
import { runExchange } from '../../http/run-exchange.js';
import { freshScope, type MiddlewareScope } from '../middleware-entry.js';
import { formatGoNanoseconds } from '../../../labels-spec/duration.js';
import { createSourceExtractor, type SourceCriterionOptions } from './source-criterion.js';
import type { BucketSettings, RateBuckets } from './shared-limits.js';
import { redisBuckets } from './redis-buckets.js';
import type { RedisOptions } from './redis-link.js';
import { timerMs } from '../../timer-bounds.js';

/** rateLimit as labels-spec outputs it: period in milliseconds, burst already at least 1. */
export interface RateLimitOptions {
  average: number;
  period: number;
  burst: number;
  sourceCriterion?: SourceCriterionOptions | undefined;
  /** Traefik v3.4: buckets kept in this Redis, shared by every pe-edge that uses it. */
  redis?: RedisOptions | undefined;
}

/** The body of Traefik's 500 when its bucket store (Redis) fails (rate_limiter.go, ServeHTTP). */
export const BUCKET_STORE_FAILED = 'Could not insert/update bucket';

/**
 * Traefik's rateLimit: a token bucket per source. A request whose token comes within maxDelay is held
 * that long and then forwarded; a later one is refused with 429 and when to retry.
 */
export function createRateLimit(options: RateLimitOptions, next: Handler, scope: MiddlewareScope = freshScope): Handler {
  if (options.period < 0) throw new Error(`rateLimit.period: negative value not valid for period: ${options.period}ms`);
  // Built first so a bad criterion is refused even when nothing is limited, as in Traefik.
  const source = createSourceExtractor(options.sourceCriterion, 'ip', 'rateLimit.sourceCriterion');
  // average 0 is rate.Inf: every reservation is immediate, so nothing is limited.
  if (options.average <= 0) return next;
  const settings: BucketSettings = { ...limiterSettings(options.average, options.period), burst: Math.max(1, Math.trunc(options.burst)) };
  const buckets = rateBuckets(options, settings, scope);

  return (ctx: RequestContext): void => {
    buckets.reserve(source(ctx), (delayNs) => {
      // Other workers may have been asked meanwhile: nobody is left to answer (the token stays spent, as in Go).
      if (ctx.res.clientGone) return;
      // Traefik's ServeHTTP when its limiter errs (Redis down, slow, refusing us): http.Error 500, nothing forwarded.
      if (delayNs === null) sendGoError(ctx, 500, BUCKET_STORE_FAILED);
      else if (delayNs > settings.maxDelayNs) refuse(ctx, delayNs);
      else if (delayNs === 0) runExchange(ctx, next);
      else delayThenForward(ctx, next, delayNs);
    });
  };
}

/**
 * In Redis when `redis` is set and the runtime has Redis clients (a check builds without them: local ones).
 * Local buckets outlive reloads that keep this router and its options: a reload is no way around a limit.
 */
function rateBuckets(options: RateLimitOptions, settings: BucketSettings, scope: MiddlewareScope): RateBuckets {
  if (options.redis !== undefined && scope.redis !== undefined) return redisBuckets(scope.redis.acquire(options.redis), scope.middleware, settings);
  return scope.keep('buckets', () => scope.limits.rateBuckets(scope.identity, settings));
}

/** Rate (tokens/s), the longest acceptable wait (ns) and the bucket TTL (s), computed as Traefik does. */
export function limiterSettings(average: number, periodMs: number): Omit<BucketSettings, 'burst'> {
  const periodNs = periodMs === 0 ? 1e9 : Math.round(periodMs * 1e6);
  const rate = (average * 1e9) / periodNs;
  // Go truncates the rate to an integer here: r = 1.5 gives 1s/2 = 500ms.
  const maxDelayNs = rate < 1 ? 500e6 : Math.trunc(1e9 / (2 * Math.trunc(rate)));
  // Rarely active (slow) buckets live longer: ttl 2 s for r >= 1, else 1 + int(1/r).
  const ttlSeconds = rate >= 1 ? 2 : 1 + Math.trunc(1 / rate);
  return { rate, maxDelayNs, ttlSeconds };
}

/** Sleeps, then forwards; a client that leaves meanwhile is not forwarded (its token stays spent, as in Go). */
function delayThenForward(ctx: RequestContext, next: Handler, delayNs: number): void {
  const onClose = (): void => clearTimeout(timer);
  const timer = setTimeout(() => {
    ctx.res.off('close', onClose);
    runExchange(ctx, next);
  }, timerMs(delayNs / 1e6));
  ctx.res.once('close', onClose);
}

function refuse(ctx: RequestContext, delayNs: number): void {
  sendStatusText(ctx, 429, {
    'retry-after': String(Math.ceil(delayNs / 1e9)),
    'x-retry-in': latin1Bytes(formatGoNanoseconds(delayNs)),
  });
}

/** Go writes header bytes as UTF-8 ("µs"); Node writes a string's characters as Latin-1 bytes. */
function latin1Bytes(text: string): string {
  return text.includes('µ') ? Buffer.from(text, 'utf8').toString('latin1') : text;
}
