import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { AddressVerdicts } from '../../../proxy/http/address-verdicts.js';
import { IpChecker } from '../../../proxy/middlewares/traffic/ip-checker.js';

describe('AddressVerdicts', () => {
  it('checks an address once while it is kept, and gives the check\'s verdict', () => {
    const checked: string[] = [];
    const verdicts = new AddressVerdicts((a) => (checked.push(a), a.startsWith('10.')));
    assert.equal(verdicts.get('10.0.0.1'), true);
    assert.equal(verdicts.get('192.168.0.1'), false);
    assert.equal(verdicts.get('10.0.0.1'), true);
    assert.equal(verdicts.get('192.168.0.1'), false);
    assert.deepEqual(checked, ['10.0.0.1', '192.168.0.1']);
  });

  it('starts over when full, so a flood of addresses holds at most its capacity', () => {
    const checked: string[] = [];
    const verdicts = new AddressVerdicts((a) => (checked.push(a), true), 2);
    for (const a of ['1.1.1.1', '2.2.2.2', '3.3.3.3', '1.1.1.1']) verdicts.get(a);
    // The third address found the memo full: it was emptied, so the first is checked again.
    assert.deepEqual(checked, ['1.1.1.1', '2.2.2.2', '3.3.3.3', '1.1.1.1']);
  });

  it('never keeps a text longer than an address', () => {
    const checked: string[] = [];
    const verdicts = new AddressVerdicts((a) => (checked.push(a), false));
    const long = 'x'.repeat(200);
    verdicts.get(long);
    verdicts.get(long);
    assert.equal(checked.length, 2);
  });
});

describe('AddressVerdicts memory', () => {
  it('keeps its own copy of an address cut from a long header line, not a window holding the line alive', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const verdicts = new AddressVerdicts(() => true);
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 500; i++) {
      // As the depth strategy cuts one: the last entry of a 100 kB X-Forwarded-For line, trimmed.
      const line = `${'9.9.9.9,'.repeat(12_500)} 2001:db8::${(0x1000 + i).toString(16)}`;
      verdicts.get(line.slice(line.lastIndexOf(',') + 1).trim());
    }
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    assert.ok(grown < 5_000_000, `500 kept addresses grew the heap by ${(grown / 1e6).toFixed(1)} MB`);
    assert.equal(verdicts.get('2001:db8::1000'), true);
  });
});

describe('IpChecker with its verdicts kept', () => {
  it('answers the same for an address asked again, in and out of range, with and without a zone', () => {
    const checker = new IpChecker(['10.0.0.0/8', 'fe80::/10'], 'sourceRange');
    for (let round = 0; round < 3; round++) {
      assert.equal(checker.contains('10.1.2.3'), true);
      assert.equal(checker.contains('11.1.2.3'), false);
      assert.equal(checker.contains('fe80::1%eth0'), true);
      assert.equal(checker.contains('::ffff:10.0.0.1'), true);
      assert.equal(checker.contains('not an address'), false);
      assert.equal(checker.contains(''), false);
    }
  });
});
