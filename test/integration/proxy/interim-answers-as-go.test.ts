// Interim (1xx) answers before a backend's final one, as Go's transport (Go 1.23, Traefik v3.2's) reads them:
// five are read past, a sixth fails the exchange ("too many 1xx informational responses"), which Traefik answers 502.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startRawBackend } from '../../support/raw-backend.js';
import { proxyPortInFrontOf } from '../../support/proxy-fixture.js';
import { rawExchange, statuses } from '../../support/raw-exchange.js';

test('five interim answers before the final one are read past; a sixth is a 502, 100 Continue counted as any', async (t) => {
  const backend = await startRawBackend((socket, head) => {
    // GET /<count>/<status>: that many interim answers of that status, then the final one.
    const [count, status] = (head.split(' ')[1] ?? '').slice(1).split('/');
    const interim = `HTTP/1.1 ${status} Interim\r\nLink: </style.css>; rel=preload\r\n\r\n`;
    socket.write(`${interim.repeat(Number(count))}HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok`);
  });
  t.after(() => backend.close());
  const port = await proxyPortInFrontOf(t, backend.url);
  const cases: [string, string][] = [['5/103', '200'], ['5/100', '200'], ['6/103', '502'], ['6/100', '502'], ['40/103', '502']];
  for (const [path, expected] of cases) {
    const { text } = await rawExchange(port, [`GET /${path} HTTP/1.1\r\nHost: app.test\r\n\r\n`], /\r\n\r\n(ok|Bad Gateway)$/, 3000);
    assert.equal(statuses(text).at(-1), expected, `${path}: ${JSON.stringify(text.slice(0, 200))}`);
  }
});
