// One reading of Traefik's status code ranges for every option that takes them (errors.status,
// failover.errors.status, accessLog.filters.statusCodes): what one accepts, the others accept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inStatusRanges, parseStatusRanges } from '../../../proxy/http/status-ranges.js';

const accepted: [string, [number, number]][] = [
  ['500', [500, 500]],
  ['500-599', [500, 599]],
  [' 500 - 599 ', [500, 599]],
  ['404 ', [404, 404]],
];
for (const [block, range] of accepted) {
  test(`status range ${JSON.stringify(block)} reads as ${range.join('-')}`, () => {
    assert.deepEqual(parseStatusRanges([block], 'errors.status'), [range]);
  });
}

for (const block of ['2xx', '', '500-599-600', '-500', '500-', '5e2', '0x1f4']) {
  test(`status range ${JSON.stringify(block)} is refused, naming the option and the value`, () => {
    assert.throws(() => parseStatusRanges([block], 'accessLog.filters.statusCodes'),
      (err: Error) => err.message.startsWith(`accessLog.filters.statusCodes: ${JSON.stringify(block)} is not a status code`));
  });
}

test('inStatusRanges holds both bounds', () => {
  const ranges = parseStatusRanges(['404', '500-503'], 'errors.status');
  assert.deepEqual([403, 404, 405, 499, 500, 503, 504].map((s) => inStatusRanges(ranges, s)), [false, true, false, false, true, true, false]);
});
