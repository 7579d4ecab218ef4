import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeTrafficWindows } from '../../../proxy/observability/merge-traffic-windows.js';
import { TrafficRecorder } from '../../../proxy/observability/traffic-recorder.js';

test("two workers' windows add up: requests and 5xx summed, mean latency weighted, max the largest", () => {
  let now = 1_000_000_000;
  const clock = (): number => now;
  const a = new TrafficRecorder({ bucketSeconds: 10, windowSeconds: 60, now: clock });
  const b = new TrafficRecorder({ bucketSeconds: 10, windowSeconds: 60, now: clock });
  a.record('app@file', 'app@file', 10, 200);
  a.record('app@file', 'app@file', 20, 502);
  b.record('app@file', 'app@file', 60, 200);
  b.record('other@file', '', 5, 200);
  const merged = mergeTrafficWindows(a.window(), [a.window(), b.window()]);
  const last = merged.buckets - 1;
  assert.equal(merged.routers['app@file']?.requests[last], 3);
  assert.equal(merged.routers['app@file']?.errors[last], 1);
  assert.equal(merged.routers['app@file']?.latencyMeanMs[last], 30, '(10 + 20 + 60) / 3');
  assert.equal(merged.routers['app@file']?.latencyMaxMs[last], 60);
  assert.equal(merged.routers['other@file']?.requests[last], 1, 'a router only one worker served');
  assert.equal(merged.services['app@file']?.requests[last], 3);
  now += 10_000;
  // A window read one bucket later is shifted back onto the frame's buckets.
  const later = mergeTrafficWindows(a.window(), [b.window()]);
  assert.equal(later.routers['app@file']?.requests[later.buckets - 2], 1);
  const earlyFrame = mergeTrafficWindows(merged, [b.window()]);
  assert.equal(earlyFrame.routers['app@file']?.requests[earlyFrame.buckets - 1], 1, 'a newer window lands one bucket on');
});
