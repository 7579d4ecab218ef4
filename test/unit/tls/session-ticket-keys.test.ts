import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { nextTicketKey, rotationPeriod, TICKET_ROTATION_MS, TICKET_ROTATION_TEST_ENV } from '../../../proxy/tls/session-ticket-keys.js';

// The step every process takes at each boundary: the same in every process (workers agree without a message), and
// one way (the key of a period gives no earlier one).

test('the next ticket key is the first 48 bytes of HMAC-SHA-512 of the key and a label (a vector computed once)', () => {
  const key = Buffer.from(Array.from({ length: 48 }, (_, i) => i));
  const next = nextTicketKey(key);
  // python3: hmac.new(bytes(range(48)), b'pe-edge TLS session ticket key, next period', hashlib.sha512).digest()[:48]
  assert.equal(next.toString('hex'), '1c55c17e32d62b541797f845262c963ebb005dd8fc5721f3d02397fff80e8d92441ee37c47e524da616b143b93c8dd42');
  assert.equal(key.toString('hex'), Buffer.from(Array.from({ length: 48 }, (_, i) => i)).toString('hex'), 'the key given is left as it was');
});

test('each step gives a new 48-byte key: no key comes back within 100 steps', () => {
  const seen = new Set<string>();
  let key: Buffer = Buffer.alloc(48);
  for (let i = 0; i < 100; i++) {
    seen.add(key.toString('hex'));
    key = nextTicketKey(key);
    assert.equal(key.length, 48);
  }
  assert.equal(seen.size, 100);
  assert.ok(!seen.has(key.toString('hex')));
});

test('the period is 24 h; the test knob is clamped to 1 s .. 24 h, and a value that is no number is ignored', () => {
  assert.equal(TICKET_ROTATION_MS, 86_400_000);
  assert.equal(rotationPeriod(undefined), 86_400_000);
  assert.equal(rotationPeriod(''), 86_400_000);
  assert.equal(rotationPeriod('soon'), 86_400_000);
  assert.equal(rotationPeriod('2500'), 2500);
  assert.equal(rotationPeriod('10'), 1000);
  assert.equal(rotationPeriod('0'), 1000);
  assert.equal(rotationPeriod('999999999999'), 86_400_000);
});

/** Runs `body` in a fresh node process with the module as `m` (its key state is the process's), TICKET_ROTATION_TEST_ENV at `period`. */
function inChild(period: number, body: string): string {
  const script = [`const m = await import(${JSON.stringify(new URL('../../../proxy/tls/session-ticket-keys.js', import.meta.url).href)});`, body].join('\n');
  return execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH, [TICKET_ROTATION_TEST_ENV]: String(period) },
    encoding: 'utf8',
  });
}

test("a worker given the primary's key and the start of its period steps over every period passed since, and hands on the same", () => {
  const period = 60_000;
  const given = Buffer.from(Array.from({ length: 48 }, (_, i) => 255 - i));
  const start = Date.now() - 2.5 * period;
  const out = inChild(period, [
    `m.adoptTicketKeys({ key: ${JSON.stringify(given.toString('base64'))}, start: ${start} });`,
    'const { ticketKeys, sessionTimeout } = m.ticketOptions();',
    'console.log(JSON.stringify({ key: ticketKeys.toString("hex"), sessionTimeout, handOff: m.ticketKeysHandOff() }));',
  ].join('\n'));
  const seen = JSON.parse(out) as { key: string; sessionTimeout: number; handOff: unknown };
  const twoOn = nextTicketKey(nextTicketKey(given));
  assert.equal(seen.key, twoOn.toString('hex'), 'two steps from the key given');
  assert.deepEqual(seen.handOff, { key: twoOn.toString('base64'), start: start + 2 * period }, 'what it would hand a worker');
  assert.equal(seen.sessionTimeout, 86_400, 'tickets live 24 h whatever the test period');
});

test('a worker refuses a hand-off it cannot use (a start far back or ahead, a key not of 48 bytes, a key after drawing its own), naming the keys', () => {
  const key = JSON.stringify(Buffer.alloc(48, 7).toString('base64'));
  const refused = (call: string): string => inChild(60_000, `try { ${call}; console.log('adopted'); } catch (err) { console.log(err.message); }`).trim();
  for (const call of [
    `m.adoptTicketKeys({ key: ${key}, start: 0 })`,
    `m.adoptTicketKeys({ key: ${key}, start: Date.now() + 3600000 })`,
    `m.adoptTicketKeys({ key: ${JSON.stringify(Buffer.alloc(47).toString('base64'))}, start: Date.now() })`,
    `m.adoptTicketKeys({ key: ${key} })`,
    'm.adoptTicketKeys(null)',
  ]) assert.equal(refused(call), 'TLS session-ticket keys: the primary handed no usable key and period start', call);
  assert.equal(refused(`m.ticketOptions(); m.adoptTicketKeys({ key: ${key}, start: Date.now() })`), 'TLS session-ticket keys: adopted after this process drew its own');
  assert.equal(refused(`m.adoptTicketKeys({ key: ${key}, start: Date.now() - 1000 })`), 'adopted');
});
