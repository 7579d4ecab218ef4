import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import cron from 'node-cron';
import { defaultRenewSchedule, needsRenewal, renewPolicy, startRenewalJob, validateRenewSchedule, type RenewPolicy } from '../../../operator/certificates/renewal.js';

// Cron fields are local time; UTC keeps the interval arithmetic below free of DST shifts.
process.env.TZ = 'UTC';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('renewPolicy: Traefik\'s table', () => {
  const tiers: { hours: number; renewBefore: number; interval: number }[] = [
    { hours: 8760, renewBefore: 120 * DAY, interval: 7 * DAY },
    { hours: 2160, renewBefore: 30 * DAY, interval: DAY },
    { hours: 720, renewBefore: 10 * DAY, interval: 12 * HOUR },
    { hours: 168, renewBefore: DAY, interval: HOUR },
    { hours: 24, renewBefore: 6 * HOUR, interval: 10 * MINUTE },
    { hours: 1, renewBefore: 20 * MINUTE, interval: MINUTE },
  ];
  tiers.forEach((t, i) => {
    it(`${t.hours} h starts its tier; one hour less is the tier below`, () => {
      assert.deepEqual(renewPolicy(t.hours), { renewBeforeMs: t.renewBefore, checkIntervalMs: t.interval });
      const below = tiers[i + 1];
      if (below) assert.deepEqual(renewPolicy(t.hours - 1), { renewBeforeMs: below.renewBefore, checkIntervalMs: below.interval });
    });
  });

  it('below 1 hour is an error, as in Traefik', () => {
    assert.throws(() => renewPolicy(0), /certificatesDuration must be >= 1/);
    assert.throws(() => renewPolicy(Number.NaN), RangeError);
  });
});

describe('needsRenewal', () => {
  const policy = renewPolicy(2160);
  const now = new Date('2025-01-01T00:00:00Z');
  const at = (ms: number): Date => new Date(now.getTime() + ms);
  it('renews when NotAfter is strictly before now + the renew period', () => {
    assert.equal(needsRenewal(at(30 * DAY - 1), now, policy), true);
    assert.equal(needsRenewal(at(30 * DAY), now, policy), false);
    assert.equal(needsRenewal(at(60 * DAY), now, policy), false);
    assert.equal(needsRenewal(at(-DAY), now, policy), true, 'expired');
  });
  it('renews a certificate that cannot be parsed', () => {
    assert.equal(needsRenewal(null, now, policy), true);
    assert.equal(needsRenewal(new Date(Number.NaN), now, policy), true);
  });
});

describe('defaultRenewSchedule', () => {
  const SUNDAY = 3 * DAY; // 1970-01-04, the first Sunday after the epoch
  for (const hours of [8760, 2160, 720, 168, 24, 1]) {
    const policy = renewPolicy(hours);
    for (const jitter of [0, 0.37, 0.999999]) {
      it(`${hours} h, jitter ${jitter}: valid, once per interval, at the chosen offset`, () => {
        const expr = defaultRenewSchedule(policy, jitter);
        assert.ok(cron.validate(expr), expr);
        const task = cron.createTask(expr, () => undefined);
        try {
          const runs = task.getNextRuns(5).map((d) => d.getTime());
          const interval = policy.checkIntervalMs;
          for (let i = 1; i < runs.length; i++) assert.equal((runs[i] ?? 0) - (runs[i - 1] ?? 0), interval, expr);
          const first = runs[0] ?? 0;
          assert.ok(first > Date.now() - 1000 && first <= Date.now() + interval, expr);
          const origin = interval === 7 * DAY ? SUNDAY : 0;
          const offset = (((first - origin) % interval) + interval) % interval;
          assert.equal(offset, Math.floor((jitter * interval) / 1000) * 1000, expr);
        } finally {
          void task.destroy();
        }
      });
    }
  }

  it('refuses a jitter outside [0, 1) and an interval no cron expression repeats', () => {
    assert.throws(() => defaultRenewSchedule(renewPolicy(2160), 1), RangeError);
    assert.throws(() => defaultRenewSchedule(renewPolicy(2160), -0.1), RangeError);
    const odd: RenewPolicy = { renewBeforeMs: DAY, checkIntervalMs: 7 * MINUTE };
    assert.throws(() => defaultRenewSchedule(odd, 0), /no cron expression runs once every 420000 ms/);
  });
});

describe('startRenewalJob', () => {
  it('refuses a bad expression, naming it', () => {
    assert.throws(() => validateRenewSchedule('61 * * * *'), /invalid renewal schedule "61 \* \* \* \*": 61 is a invalid expression for minute/);
    assert.throws(
      () => startRenewalJob({ schedule: 'every day', check: async () => undefined, onError: () => undefined }),
      /invalid renewal schedule "every day"/,
    );
  });

  it('checks at start, then on a seconds schedule, and stop() stops it', async () => {
    let runs = 0;
    const job = startRenewalJob({ schedule: '*/2 * * * * *', check: async () => void runs++, onError: (e) => assert.fail(e), startJitterMs: 0 });
    await sleep(100);
    assert.ok(runs >= 1, 'the start check');
    await sleep(5000);
    job.stop();
    assert.ok(runs >= 3, `start + at least two scheduled runs in 5 s, got ${runs}`);
    const stoppedAt = runs;
    await sleep(2500);
    assert.equal(runs, stoppedAt, 'no run after stop()');
  });

  it('a slow check is never overlapped; the ticks meanwhile are skipped', async () => {
    let active = 0;
    let most = 0;
    let runs = 0;
    const job = startRenewalJob({
      schedule: '* * * * * *',
      runAtStart: false,
      check: async () => {
        runs++;
        active++;
        most = Math.max(most, active);
        await sleep(2500);
        active--;
      },
      onError: (e) => assert.fail(e),
    });
    await sleep(4600);
    job.stop();
    assert.equal(most, 1);
    assert.ok(runs >= 1 && runs <= 2, `one-second ticks, 2.5 s checks: 1 or 2 runs in 4.6 s, got ${runs}`);
  });

  it('failures go to onError, never thrown; a throwing onError does not end the process', async () => {
    const errors: string[] = [];
    let calls = 0;
    const job = startRenewalJob({
      schedule: '0 0 1 1 *',
      startJitterMs: 0,
      check: async () => {
        calls++;
        throw new Error('CA unreachable');
      },
      onError: (e) => errors.push(e.message),
    });
    const strings = startRenewalJob({
      schedule: '0 0 1 1 *',
      startJitterMs: 0,
      check: () => Promise.reject('not an Error'),
      onError: (e) => {
        errors.push(e.message);
        throw new Error('from onError');
      },
    });
    await sleep(100);
    job.stop();
    strings.stop();
    assert.equal(calls, 1);
    assert.deepEqual(errors.sort(), ['CA unreachable', 'not an Error']);
  });

  it('runAtStart: false waits for the schedule', async () => {
    let runs = 0;
    const job = startRenewalJob({ schedule: '0 0 1 1 *', runAtStart: false, check: async () => void runs++, onError: () => undefined });
    await sleep(100);
    job.stop();
    assert.equal(runs, 0);
  });
});
