// p2c, hrw and leasttime as Traefik's p2c.go, hrw.go and leasttime.go choose (v3.6).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PowerOfTwoChoices } from '../../../proxy/services/strategies/power-of-two-choices.js';
import { Fnv1a64, RendezvousHash } from '../../../proxy/services/strategies/rendezvous-hash.js';
import { LeastTime } from '../../../proxy/services/strategies/least-time.js';
import { fnv1a64Hex } from '../../../proxy/services/sticky-cookie.js';

/** A RandomInt that returns the given draws in turn. */
const draws = (...values: number[]): ((n: number) => number) => {
  let i = 0;
  return (n) => (values[i++ % values.length] as number) % n;
};

test('p2c: of the two drawn, the one with fewer requests in flight; the first drawn on a tie', () => {
  const p2c = new PowerOfTwoChoices(['a', 'b', 'c'], draws(0, 2));
  assert.equal(p2c.next(), 'a', 'tie (0 and 0): the first drawn');
  p2c.started('a');
  assert.equal(p2c.next(), 'c', 'a has 1 in flight, c none');
  p2c.started('c');
  p2c.started('c');
  assert.equal(p2c.next(), 'a');
  p2c.ended('c');
  p2c.ended('c');
  assert.equal(p2c.inFlight('c'), 0);
});

test('p2c: the same index drawn twice moves the second one on (wrapping), so two distinct servers compete', () => {
  const p2c = new PowerOfTwoChoices(['a', 'b', 'c'], draws(2, 2));
  p2c.started('c');
  assert.equal(p2c.next(), 'a', 'second draw 2 becomes 0');
});

test('p2c: weights play no part (Traefik adds every server), down and excluded servers are not drawn', () => {
  const p2c = new PowerOfTwoChoices(['a', 'b', 'c'], draws(0, 1));
  p2c.setUp('a', false);
  assert.equal(p2c.next(), 'b', 'healthy [b, c]: draws 0 and 1');
  assert.equal(p2c.nextExcept(['b']), 'c', 'one candidate left');
  assert.equal(p2c.nextExcept(['b', 'c']), undefined);
  p2c.setUp('b', false);
  p2c.setUp('c', false);
  assert.equal(p2c.anyUp(), false);
  assert.equal(p2c.next(), undefined);
});

test('p2c: under load the busy server gets fewer picks', () => {
  const p2c = new PowerOfTwoChoices(['fast', 'slow']);
  for (let i = 0; i < 5; i++) p2c.started('slow');
  const counts = { fast: 0, slow: 0 };
  for (let i = 0; i < 100; i++) counts[p2c.next() as 'fast' | 'slow']++;
  assert.deepEqual(counts, { fast: 100, slow: 0 }, 'with two servers both are always drawn');
});

test('FNV-1a 64 in limbs equals the BigInt reference (Go hash/fnv New64a)', () => {
  for (const text of ['', 'a', '127.0.0.1http://127.0.0.1:8080', '::1http://app:80', 'é€😀'.repeat(20)]) {
    const h = new Fnv1a64();
    h.update(Buffer.from(text, 'utf8'));
    assert.equal(h.toHex(), fnv1a64Hex(text), text);
    assert.equal(h.toNumber(), Number(BigInt('0x' + fnv1a64Hex(text))), 'float64(uint64) rounding');
  }
});

/** Traefik's getNodeScore, written with BigInt: the reference hrw must agree with. */
function traefikPick(ip: string, servers: readonly { url: string; weight: number }[]): string | undefined {
  let best: string | undefined;
  let bestScore = 0;
  for (const s of servers) {
    const score = (1 / -Math.log(Number(BigInt('0x' + fnv1a64Hex(ip + s.url))) / 2 ** 64)) * s.weight;
    if (score > bestScore) {
      best = s.url;
      bestScore = score;
    }
  }
  return best;
}

const urls = ['http://10.0.0.1:80', 'http://10.0.0.2:80', 'http://10.0.0.3:80', 'http://10.0.0.4:80'];
const hrwOf = (list: readonly string[], weight = (_u: string): number => 1): RendezvousHash<string> =>
  new RendezvousHash(list.map((u) => ({ value: u, weight: weight(u), name: u })));
const ips = Array.from({ length: 2000 }, (_, i) => `192.168.${i >> 8}.${i & 255}`);

test('hrw: each client IP goes where Traefik would send it, every time', () => {
  const weight = (u: string): number => (u.endsWith('3:80') ? 3 : 1);
  const hrw = hrwOf(urls, weight);
  for (const ip of ips.slice(0, 300)) {
    const expected = traefikPick(ip, urls.map((url) => ({ url, weight: weight(url) })));
    assert.equal(hrw.next(ip), expected, ip);
    assert.equal(hrw.next(ip), expected, `${ip} again`);
  }
});

test('hrw: removing one of four servers moves only the clients it had (about a quarter)', () => {
  const before = hrwOf(urls);
  const after = hrwOf(urls.slice(0, 3));
  let moved = 0;
  for (const ip of ips) {
    const was = before.next(ip);
    const now = after.next(ip);
    if (was !== now) {
      moved++;
      assert.equal(was, urls[3], `${ip} moved from a server that is still there`);
    }
  }
  assert.ok(moved > ips.length * 0.18 && moved < ips.length * 0.32, `moved ${moved} of ${ips.length}`);
});

test('hrw: a server marked down moves only its clients; failover excludes tried servers; weights skew the share', () => {
  const hrw = hrwOf(urls);
  const home = new Map(ips.map((ip) => [ip, hrw.next(ip)]));
  hrw.setUp(urls[0] as string, false);
  for (const ip of ips) {
    const now = hrw.next(ip);
    if (home.get(ip) !== urls[0]) assert.equal(now, home.get(ip));
    else assert.notEqual(now, urls[0]);
    assert.notEqual(hrw.nextExcept([now as string], ip), now);
  }
  const heavy = hrwOf(urls, (u) => (u === urls[1] ? 4 : 1));
  const share = ips.filter((ip) => heavy.next(ip) === urls[1]).length / ips.length;
  assert.ok(share > 0.45 && share < 0.7, `weight 4 of 7 gets ${share}`);
  assert.equal(hrwOf([urls[0] as string], () => 0).next('1.2.3.4'), undefined, 'weight 0 is never picked');
});

test('leasttime: before any answer every score is 0 and ties go round robin (EDF, Traefik\'s staggered start)', () => {
  // Traefik's Add starts the servers at deadlines 1, 2, 3, and a tie goes to the first server: a, a, b, then rotation.
  const lt = new LeastTime([{ value: 'a', weight: 1 }, { value: 'b', weight: 1 }, { value: 'c', weight: 1 }]);
  assert.deepEqual(Array.from({ length: 9 }, () => lt.next()), ['a', 'a', 'b', 'a', 'b', 'c', 'a', 'b', 'c']);
});

test('leasttime: the lowest mean time to first byte × (1 + in flight) / weight wins', () => {
  const lt = new LeastTime([{ value: 'fast', weight: 1 }, { value: 'slow', weight: 1 }]);
  lt.answered('fast', 10.9);
  lt.answered('slow', 50);
  assert.equal(lt.meanMs('fast'), 10, 'whole milliseconds, as Go truncates them');
  assert.equal(lt.next(), 'fast');
  for (let i = 0; i < 4; i++) lt.started('fast');
  assert.equal(lt.next(), 'fast', '10 × 5 = 50 ties with slow: EDF between them');
  lt.started('fast');
  assert.equal(lt.next(), 'slow', '10 × 6 = 60 > 50');
  assert.equal(lt.nextExcept(['slow']), 'fast');
  const weighted = new LeastTime([{ value: 'a', weight: 1 }, { value: 'b', weight: 3 }]);
  weighted.answered('a', 20);
  weighted.answered('b', 50);
  assert.equal(weighted.next(), 'b', '50 / 3 < 20');
});

test('leasttime: the mean covers the last 100 answers only', () => {
  const lt = new LeastTime([{ value: 'a', weight: 1 }, { value: 'b', weight: 1 }]);
  for (let i = 0; i < 100; i++) lt.answered('a', 100);
  for (let i = 0; i < 100; i++) lt.answered('a', 2);
  assert.equal(lt.meanMs('a'), 2);
});
