import { test } from 'node:test';
import assert from 'node:assert/strict';
import { h2RequestHeaders } from '../../../proxy/forward/http2/h2-request-headers.js';

const cases: { name: string; headers: string[]; expected: Record<string, string> }[] = [
  { name: 'Host becomes :authority', headers: ['Host', 'a.test:8443'], expected: { ':authority': 'a.test:8443' } },
  { name: 'without Host the server URL authority stays', headers: [], expected: { ':authority': '127.0.0.1:50051' } },
  { name: 'names lower-case, repeated fields joined', headers: ['X-A', '1', 'x-a', '2'], expected: { 'x-a': '1, 2' } },
  { name: 'cookies joined with "; "', headers: ['Cookie', 'a=1', 'Cookie', 'b=2'], expected: { cookie: 'a=1; b=2' } },
  { name: 'TE kept only as trailers', headers: ['TE', 'trailers'], expected: { te: 'trailers' } },
  { name: 'another TE value dropped', headers: ['TE', 'gzip'], expected: {} },
  { name: 'connection-specific fields dropped', headers: ['Connection', 'keep-alive', 'Keep-Alive', '5', 'Transfer-Encoding', 'chunked', 'Upgrade', 'x'], expected: {} },
];

for (const c of cases) {
  test(`h2RequestHeaders: ${c.name}`, () => {
    const out = h2RequestHeaders({ path: '/p?q', method: 'POST', headers: c.headers, body: null }, 'http', '127.0.0.1:50051');
    assert.deepEqual({ ...out }, { ':method': 'POST', ':path': '/p?q', ':scheme': 'http', ':authority': '127.0.0.1:50051', ...c.expected });
  });
}
