import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRetry, retryBackoff } from '../../../proxy/middlewares/response/retry.js';
import type { Handler } from '../../../proxy/http/request-context.js';

const cases: { attempts: number; initial: number; random: number; retry: number; expect: number }[] = [
  { attempts: 3, initial: 100, random: 0.5, retry: 0, expect: 100 },
  { attempts: 3, initial: 100, random: 0.5, retry: 1, expect: 100 * Math.SQRT2 },
  { attempts: 3, initial: 100, random: 0.5, retry: 2, expect: 200 },
  { attempts: 3, initial: 100, random: 0, retry: 0, expect: 50 },
  { attempts: 3, initial: 100, random: 1, retry: 0, expect: 150 },
  { attempts: 5, initial: 100, random: 0.5, retry: 4, expect: 200 },
  { attempts: 2, initial: 50_000, random: 0.5, retry: 1, expect: 60_000 },
  { attempts: 3, initial: 0, random: 0.5, retry: 1, expect: 0 },
  { attempts: 1, initial: 100, random: 0.5, retry: 0, expect: 0 },
];

for (const c of cases) {
  test(`backoff attempts=${c.attempts} initial=${c.initial}ms random=${c.random}: retry #${c.retry + 1} waits ${c.expect.toFixed(1)}ms`, () => {
    assert.ok(Math.abs(retryBackoff(c.attempts, c.initial, () => c.random)(c.retry) - c.expect) < 1e-6);
  });
}

test('attempts: 1 is a no-op (the next handler itself)', () => {
  const next: Handler = () => undefined;
  assert.equal(createRetry({ attempts: 1, initialInterval: 0 }, next), next);
});

test('attempts must be greater than 0', () => {
  assert.throws(() => createRetry({ attempts: 0, initialInterval: 0 }, () => undefined), /retry\.attempts must be greater than 0/);
});
