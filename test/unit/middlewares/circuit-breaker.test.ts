import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileBreakerExpression, type BreakerMetrics } from '../../../proxy/middlewares/response/breaker-expression.js';
import { RollingMetrics } from '../../../proxy/middlewares/response/breaker-metrics.js';
import { BreakerState } from '../../../proxy/middlewares/response/circuit-breaker.js';

const fixed = (ne: number, ratio: number, latency: number): BreakerMetrics => ({
  networkErrorRatio: () => ne,
  responseCodeRatio: (from, to, dFrom, dTo) => (from === 500 && to === 600 && dFrom === 0 && dTo === 600 ? ratio : -1),
  latencyAtQuantileMs: (q) => (q === 50 ? latency : -1),
});

const valid: { expr: string; metrics: BreakerMetrics; expect: boolean }[] = [
  { expr: 'NetworkErrorRatio() > 0.30 || ResponseCodeRatio(500, 600, 0, 600) > 0.25', metrics: fixed(0.31, 0, 0), expect: true },
  { expr: 'NetworkErrorRatio() > 0.30 || ResponseCodeRatio(500, 600, 0, 600) > 0.25', metrics: fixed(0.3, 0.26, 0), expect: true },
  { expr: 'NetworkErrorRatio() > 0.30 || ResponseCodeRatio(500, 600, 0, 600) > 0.25', metrics: fixed(0.3, 0.25, 0), expect: false },
  { expr: 'NetworkErrorRatio() > 0.5', metrics: fixed(1, 0, 0), expect: true },
  { expr: 'LatencyAtQuantileMS(50.0) > 100', metrics: fixed(0, 0, 101), expect: true },
  { expr: 'LatencyAtQuantileMS(50.0) >= 100 && NetworkErrorRatio() < 0.1', metrics: fixed(0.2, 0, 100), expect: false },
  { expr: '(NetworkErrorRatio() <= .5 || NetworkErrorRatio() == 1.0) && LatencyAtQuantileMS(50.) != 3', metrics: fixed(1, 0, 2), expect: true },
  { expr: 'NetworkErrorRatio() > 0.1 || NetworkErrorRatio() > 0.2 && LatencyAtQuantileMS(50.0) > 5', metrics: fixed(0.15, 0, 0), expect: true },
];

for (const c of valid) {
  test(`expression ${c.expr} ⇒ ${c.expect}`, () => {
    assert.equal(compileBreakerExpression(c.expr)(c.metrics), c.expect);
  });
}

const invalid: { expr: string; message: RegExp }[] = [
  { expr: 'NetworkErrorRatio() > 1', message: /returns a float: compare it with a float literal/ },
  { expr: 'LatencyAtQuantileMS(50.0) > 100.0', message: /returns an int/ },
  { expr: 'LatencyAtQuantileMS(50) > 100', message: /takes one float literal/ },
  { expr: 'ResponseCodeRatio(500.0, 600, 0, 600) > 0.5', message: /4 int literals/ },
  { expr: 'ResponseCodeRatio(500, 600) > 0.5', message: /4 int literals/ },
  { expr: '0.5 < NetworkErrorRatio()', message: /needs a function on its left/ },
  { expr: 'NetworkErrorRatio()', message: /needs a comparison/ },
  { expr: 'Foo() > 0.5', message: /unknown function "Foo"/ },
  { expr: 'NetworkErrorRatio() > 0.5 &&', message: /unexpected end/ },
  { expr: 'NetworkErrorRatio() > 0.5 0.3', message: /unexpected "0.3"/ },
  { expr: 'NetworkErrorRatio() ~ 0.5', message: /unexpected "~ 0.5"/ },
];

for (const c of invalid) {
  test(`expression ${c.expr} is refused with a clear error`, () => {
    assert.throws(() => compileBreakerExpression(c.expr), (err: Error) => err.message.startsWith(`circuitBreaker.expression "${c.expr}": `) && c.message.test(err.message));
  });
}

test('rolling metrics: ratios over 10 s, latency quantiles over 60 s', () => {
  let now = 1_000_000;
  const m = new RollingMetrics(() => now);
  m.record(200, 10_000);
  m.record(502, 20_000);
  m.record(504, 30_000);
  m.record(500, 40_000);
  assert.equal(m.networkErrorRatio(), 0.5);
  assert.equal(m.responseCodeRatio(500, 600, 0, 600), 0.75);
  assert.equal(m.responseCodeRatio(500, 501, 600, 700), 0);
  assert.equal(m.latencyAtQuantileMs(50.0), 20);
  assert.equal(m.latencyAtQuantileMs(100.0), 40);
  now += 10_500;
  assert.equal(m.networkErrorRatio(), 0, 'counters forget after 10 s');
  assert.equal(m.latencyAtQuantileMs(100.0), 40, 'latency is kept for 60 s');
  now += 60_000;
  assert.equal(m.latencyAtQuantileMs(100.0), 0);
});

test('state machine: trip at the first check, fallback for fallbackDuration, ramp during recovery, then standby', () => {
  let now = 5_000;
  const breaker = new BreakerState(compileBreakerExpression('NetworkErrorRatio() > 0.5'), { checkPeriod: 100, fallbackDuration: 10_000, recoveryDuration: 10_000 }, new RollingMetrics(() => now), () => now);
  assert.equal(breaker.blocked(), false);
  breaker.served(502, 1000);
  assert.equal(breaker.state, 'tripped');
  now += 9_999;
  assert.equal(breaker.blocked(), true);
  now += 1;
  // Recovering: nothing passes at the start, about a quarter passes halfway, under half by the end.
  let allowed = 0;
  for (let i = 0; i < 100; i++) if (!breaker.blocked()) allowed++;
  assert.equal(breaker.state, 'recovering');
  assert.equal(allowed, 0);
  now += 5_000;
  for (let i = 0; i < 100; i++) if (!breaker.blocked()) allowed++;
  assert.ok(allowed > 5 && allowed < 50, `allowed ${allowed}`);
  now += 5_001;
  assert.equal(breaker.blocked(), false);
  assert.equal(breaker.state, 'standby');
});

test('state machine: the expression is evaluated at most once per checkPeriod and re-trips while recovering', () => {
  let now = 0;
  const breaker = new BreakerState(compileBreakerExpression('NetworkErrorRatio() > 0.5'), { checkPeriod: 100, fallbackDuration: 1000, recoveryDuration: 1000 }, new RollingMetrics(() => now), () => now);
  breaker.served(200, 1);
  breaker.served(502, 1);
  breaker.served(502, 1);
  assert.equal(breaker.state, 'standby', 'second and third responses fall inside the check period');
  now = 100;
  breaker.served(502, 1);
  assert.equal(breaker.state, 'tripped');
  now = 1900;
  while (breaker.blocked()) now += 1;
  assert.equal(breaker.state, 'recovering');
  breaker.served(502, 1);
  assert.equal(breaker.state, 'tripped');
});
