// An upgrade request with a body is served as a plain request whose body pe-edge reads off the connection itself
// (node:http stops parsing at an upgrade). A body whose framing is already broken in the bytes that came with the head
// must end the exchange like one broken later: an answer, the connection closed, the upstream request aborted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { DEFAULT_TRANSPORT } from '../../../proxy/index.js';
import { generateSelfSignedCertificate } from '../../../proxy/tls/self-signed-certificate.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import { rawExchange } from '../../support/raw-exchange.js';

const HEAD = 'POST /up HTTP/1.1\r\nHost: app.test\r\nConnection: upgrade\r\nUpgrade: websocket\r\nTransfer-Encoding: chunked\r\n\r\n';

/** Counts the requests it got and those whose body never ended (aborted by pe-edge). */
function countingHandler(seen: { requests: number; aborted: number }): http.RequestListener {
  return (req, res) => {
    seen.requests++;
    req.on('data', () => undefined);
    req.on('aborted', () => seen.aborted++);
    req.on('error', () => undefined);
    req.on('end', () => res.end('ok'));
  };
}

test('an upgrade request whose chunked body is malformed from its first bytes is answered 502 and closed at once, on plain and TLS upstreams', async (t) => {
  const plainSeen = { requests: 0, aborted: 0 };
  const plain = http.createServer(countingHandler(plainSeen));
  const now = Date.now();
  const { cert, key } = generateSelfSignedCertificate({ commonName: 'backend.test', dnsNames: ['backend.test'], notBefore: new Date(now - 60_000), notAfter: new Date(now + 86_400_000) });
  const tlsSeen = { requests: 0, aborted: 0 };
  const secure = https.createServer({ cert, key }, countingHandler(tlsSeen));
  for (const server of [plain, secure]) {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  }
  const proxy = await startProxy(buildInput({
    http: {
      routers: {
        'plain@file': { rule: 'Host(`plain.test`)', service: 'plain' },
        'tls@file': { rule: 'Host(`tls.test`)', service: 'tls' },
      },
      services: {
        'plain@file': { loadBalancer: { servers: [{ url: `http://127.0.0.1:${(plain.address() as AddressInfo).port}` }] } },
        'tls@file': { loadBalancer: { servers: [{ url: `https://127.0.0.1:${(secure.address() as AddressInfo).port}` }], serversTransport: 'skip' } },
      },
      serversTransports: { 'skip@file': { ...DEFAULT_TRANSPORT, insecureSkipVerify: true } },
    },
  }));
  t.after(() => proxy.close(0));
  const port = proxy.port('web');
  for (const host of ['plain.test', 'tls.test']) {
    const head = HEAD.replace('app.test', host);
    // The bad chunk size in the head's own packet (the hang), then after a good chunk (the relay already attached).
    // Go's chunk-size line: no word after the size, at most 4095 bytes (a client's endless line is not read for ever).
    // A client that half-closes mid-body: 502, as on node:http's path (a client gone mid-body), not a 500.
    for (const parts of [[`${head}zz\r\n`], [`${head}5\r\nhello\r\n`, 100, 'zz\r\n'], [`${head}5 junk\r\nhello\r\n`], [`${head}5;${'x'.repeat(5000)}`], [`${head}5\r\nhel`, 100, 'END']]) {
      const started = Date.now();
      const { text, closed } = await rawExchange(port, parts, /Bad Gateway$/, 3000);
      assert.match(text, /^HTTP\/1\.1 502 Bad Gateway\r\n/, `${host} ${JSON.stringify(parts)}: ${JSON.stringify(text)}`);
      assert.ok(closed, `${host}: the connection closes`);
      assert.ok(Date.now() - started < 2000, `${host}: answered at once`);
    }
  }
  // Nothing half-sent is left waiting upstream: every request that reached a backend was aborted.
  for (const seen of [plainSeen, tlsSeen]) assert.equal(seen.aborted, seen.requests);
});
