import { freshScope, type BreakerStateName, type MiddlewareScope } from '../middleware-entry.js';
import type { Handler, RequestContext } from '../../http/request-context.js';
import { goStatusText } from '../../http/go-status-text.js';
import { sendBareStatus } from '../../http/traefik-responses.js';
import { compileBreakerExpression, type BreakerPredicate } from './breaker-expression.js';
import { RollingMetrics } from './breaker-metrics.js';
import { finalStatus } from '../../observability/final-status.js';

/** labels-spec `circuitBreaker`, validated and defaulted (durations in ms). */
export interface CircuitBreakerOptions {
  expression: string;
  checkPeriod: number;
  fallbackDuration: number;
  recoveryDuration: number;
  responseCode: number;
}


/** oxy cbreaker's state machine: Standby → Tripped (fallback) → Recovering (ramp 0→50 %) → Standby. */
export class BreakerState {
  private current: BreakerStateName = 'standby';
  private until = 0;
  // The first check happens right after the first response.
  private nextCheck = Number.NEGATIVE_INFINITY;
  private recoveryStart = 0;
  private allowed = 0;
  private denied = 0;

  constructor(
    private readonly condition: BreakerPredicate,
    private readonly options: Pick<CircuitBreakerOptions, 'checkPeriod' | 'fallbackDuration' | 'recoveryDuration'>,
    readonly metrics: RollingMetrics,
    private readonly now: () => number = Date.now,
    private readonly onChange: (from: BreakerStateName, to: BreakerStateName) => void = () => undefined,
  ) {}

  get state(): BreakerStateName {
    return this.current;
  }

  private set state(to: BreakerStateName) {
    const from = this.current;
    this.current = to;
    if (from !== to) this.onChange(from, to);
  }

  /** True when this request gets the fallback answer instead of going on. */
  blocked(): boolean {
    if (this.state === 'standby') return false;
    const now = this.now();
    if (this.state === 'tripped') {
      if (now < this.until) return true;
      this.state = 'recovering';
      this.until = now + this.options.recoveryDuration;
      this.recoveryStart = now;
      this.allowed = 0;
      this.denied = 0;
    }
    if (now > this.until) {
      this.state = 'standby';
      return false;
    }
    return !this.allowRequest(now);
  }

  /** oxy's ratio controller: allow while allowed/(allowed+denied) would stay under a target rising 0 → 0.5. */
  private allowRequest(now: number): boolean {
    const duration = this.options.recoveryDuration;
    const target = duration > 0 ? (0.5 * (now - this.recoveryStart)) / duration : 0.5;
    if ((this.allowed + 1) / (this.allowed + 1 + this.denied) < target) {
      this.allowed++;
      return true;
    }
    this.denied++;
    return false;
  }

  /** Records a request that went through, then evaluates the expression at most once per checkPeriod. */
  served(status: number, latencyUs: number): void {
    this.metrics.record(status, latencyUs);
    const now = this.now();
    if (now < this.nextCheck) return;
    this.nextCheck = now + this.options.checkPeriod;
    if (this.state === 'tripped' || !this.condition(this.metrics)) return;
    this.state = 'tripped';
    this.until = now + this.options.fallbackDuration;
    this.metrics.reset();
  }
}

/**
 * Traefik's circuitBreaker, one instance per router: measures what is after it in the chain
 * (final status at the response's close, proxy 502/504 included) and answers `responseCode` with its
 * status text, no Content-Type, while tripped.
 */
export function createCircuitBreaker(options: CircuitBreakerOptions, next: Handler, scope: MiddlewareScope = freshScope): Handler {
  const condition = compileBreakerExpression(options.expression);
  const code = options.responseCode;
  if (!Number.isInteger(code) || code < 100 || code > 999) throw new Error(`circuitBreaker.responseCode ${code} is not an HTTP status code (100-999)`);
  const text = goStatusText(code);
  // A tripped breaker stays tripped across reloads that keep this router and its options.
  // Its state changes are reported once each, naming router and middleware (Traefik logs them too).
  const report = (from: BreakerStateName, to: BreakerStateName): void => scope.onBreaker(scope.router, scope.middleware, from, to);
  const breaker = scope.keep('breaker', () => new BreakerState(condition, options, new RollingMetrics(), Date.now, report));
  return (ctx: RequestContext): void => {
    if (breaker.blocked()) {
      sendBareStatus(ctx, code, text);
      return;
    }
    const start = process.hrtime.bigint();
    const res = ctx.res;
    res.once('close', () => {
      breaker.served(finalStatus(res), Number((process.hrtime.bigint() - start) / 1000n));
    });
    next(ctx);
  };
}
