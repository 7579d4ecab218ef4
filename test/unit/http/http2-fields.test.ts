import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { CONNECTION_SPECIFIC_FIELDS, SINGLE_VALUE_FIELDS, http2Fields } from '../../../proxy/http/http2-fields.js';

/** What node's HTTP/2 throws for each header block, by its key (request() checks a block as respond() and sendTrailers() do). */
async function nodeRefusals(blocks: ReadonlyMap<string, http2.OutgoingHttpHeaders>): Promise<Map<string, string>> {
  const server = http2.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const session = http2.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const refused = new Map<string, string>();
  try {
    for (const [key, block] of blocks) {
      try {
        session.request(block).on('error', () => undefined).close();
      } catch (err) {
        refused.set(key, String((err as { code?: unknown }).code));
      }
    }
  } finally {
    session.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
  return refused;
}

function eachField(names: Iterable<string>, value: string | string[]): Map<string, http2.OutgoingHttpHeaders> {
  return new Map([...names].map((name) => [name, { [name]: value }]));
}

const HEADER_CONSTANTS = Object.entries(http2.constants)
  .filter(([key, name]) => key.startsWith('HTTP2_HEADER_') && typeof name === 'string' && !name.startsWith(':'))
  .map(([, name]) => name as string);

test('SINGLE_VALUE_FIELDS are exactly the fields node refuses to send twice', async () => {
  const names = [...new Set([...HEADER_CONSTANTS, ...SINGLE_VALUE_FIELDS])].filter((n) => !CONNECTION_SPECIFIC_FIELDS.has(n) && n !== 'te');
  const refused = await nodeRefusals(eachField(names, ['a', 'b']));
  const single = [...refused].filter(([, code]) => code === 'ERR_HTTP2_HEADER_SINGLE_VALUE').map(([n]) => n).sort();
  assert.deepEqual(single, [...SINGLE_VALUE_FIELDS].sort());
});

test('CONNECTION_SPECIFIC_FIELDS are fields node refuses in any HTTP/2 block', async () => {
  const refused = await nodeRefusals(eachField(CONNECTION_SPECIFIC_FIELDS, 'x'));
  for (const name of CONNECTION_SPECIFIC_FIELDS) assert.equal(refused.get(name), 'ERR_HTTP2_INVALID_CONNECTION_HEADERS', name);
});

test('http2Fields: what node can send is the same object, untouched', () => {
  const fields = { 'content-type': 'text/plain', 'set-cookie': ['a=1', 'b=2'], 'x-list': ['1', '2'], te: 'trailers' };
  assert.equal(http2Fields(fields), fields);
});

test('http2Fields: connection-specific fields are left out, a repeated single-value field keeps its first value', async () => {
  const fields = {
    'x-first': '1', connection: 'close', etag: ['"a"', '"b"'], 'Content-Type': 'text/html', 'content-type': 'text/plain',
    'keep-alive': 'timeout=5', te: 'gzip', 'set-cookie': ['a=1', 'b=2'],
  } as Record<string, string | string[]>;
  Object.defineProperty(fields, '__proto__', { value: 'p', enumerable: true });
  const out = http2Fields(fields);
  assert.deepEqual(Object.entries(out), [
    ['x-first', '1'], ['etag', '"a"'], ['Content-Type', 'text/html'], ['set-cookie', ['a=1', 'b=2']], ['__proto__', 'p'],
  ]);
  assert.equal(fields.etag?.length, 2, 'the input is not changed');
  const refused = await nodeRefusals(new Map([['as given', fields], ['http2Fields', out]]));
  assert.ok(refused.has('as given'), 'node refuses the block as given');
  assert.equal(refused.get('http2Fields'), undefined, 'node sends what http2Fields leaves');
});
