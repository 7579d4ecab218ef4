import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_CLIENT_HELLO_BYTES, MAX_CLIENT_HELLO_RECORDS, parseClientHello } from '../../../proxy/tls/client-hello.js';
import { captureClientHello as capture } from '../../support/client-hello-capture.js';

// Real ClientHellos, as node's tls.connect sends them (captureClientHello).

/** The same handshake message carried in records of at most `size` bytes each. */
function refragment(hello: Buffer, size: number): Buffer {
  const message = hello.subarray(5, 5 + hello.readUInt16BE(3));
  const records: Buffer[] = [];
  for (let at = 0; at < message.length; at += size) {
    const part = message.subarray(at, at + size);
    const header = Buffer.from([0x16, hello[1] ?? 3, hello[2] ?? 1, 0, 0]);
    header.writeUInt16BE(part.length, 3);
    records.push(header, part);
  }
  return Buffer.concat(records);
}

const ACME = { servername: 'Challenge.Example.com', ALPNProtocols: ['acme-tls/1'] };

test('a real ClientHello: SNI (lower-cased) and the ALPN list in order', async () => {
  const acme = parseClientHello(await capture(ACME));
  assert.deepEqual(acme, { serverName: 'challenge.example.com', alpn: ['acme-tls/1'] });
  const browser = parseClientHello(await capture({ servername: 'a.test', ALPNProtocols: ['h2', 'http/1.1'] }));
  assert.deepEqual(browser, { serverName: 'a.test', alpn: ['h2', 'http/1.1'] });
});

test('a ClientHello without SNI nor ALPN (tls.connect to an IP), and a TLS 1.2-only one', async () => {
  assert.deepEqual(parseClientHello(await capture({})), { serverName: null, alpn: [] });
  const v12 = parseClientHello(await capture({ ...ACME, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' }));
  assert.deepEqual(v12, { serverName: 'challenge.example.com', alpn: ['acme-tls/1'] });
});

test('cut at every offset: incomplete until the last byte, then the same answer; extra bytes after it change nothing', async () => {
  const hello = await capture(ACME);
  for (let cut = 0; cut < hello.length; cut++) assert.equal(parseClientHello(hello.subarray(0, cut)), 'incomplete', `cut at ${cut}`);
  const whole = parseClientHello(hello);
  assert.deepEqual(whole, { serverName: 'challenge.example.com', alpn: ['acme-tls/1'] });
  assert.deepEqual(parseClientHello(Buffer.concat([hello, Buffer.from('trailing')])), whole);
});

test('a handshake message spread over several records is reassembled, up to MAX_CLIENT_HELLO_RECORDS records', async () => {
  const hello = await capture({ servername: 'a.test', ALPNProtocols: ['h2', 'acme-tls/1'] });
  const message = hello.readUInt16BE(3);
  const fewest = Math.ceil(message / MAX_CLIENT_HELLO_RECORDS);
  // node 22's OpenSSL 3.5 offers a post-quantum key share: its ClientHello (~1.5 kB) needs records of 100 bytes or more.
  for (const size of [fewest, fewest + 1, Math.max(fewest, 64), Math.max(fewest, 100), 1000]) {
    const records = refragment(hello, size);
    assert.deepEqual(parseClientHello(records), { serverName: 'a.test', alpn: ['h2', 'acme-tls/1'] }, `records of ${size}`);
    for (let cut = 0; cut < records.length; cut += 1 + Math.floor(records.length / 300)) {
      assert.equal(parseClientHello(records.subarray(0, cut)), 'incomplete', `records of ${size}, cut at ${cut}`);
    }
  }
});

test('a ClientHello in more records than a client sends (1-byte records) is handed on unread, early: the sniff re-parses on every read', async () => {
  const hello = await capture({ servername: 'a.test', ALPNProtocols: ['acme-tls/1'] });
  const oneByte = refragment(hello, 1);
  assert.equal(parseClientHello(oneByte), null);
  // Decided once the header of the record after the last one allowed is in: at most MAX_CLIENT_HELLO_RECORDS are walked.
  const decidedAt = MAX_CLIENT_HELLO_RECORDS * 6 + 5;
  assert.equal(parseClientHello(oneByte.subarray(0, decidedAt - 1)), 'incomplete');
  assert.equal(parseClientHello(oneByte.subarray(0, decidedAt)), null);
});

test('not a ClientHello: an HTTP request, another record type, an SSLv2 hello, a ServerHello, an empty record', () => {
  assert.equal(parseClientHello(Buffer.from('GET / HTTP/1.1\r\nHost: a\r\n\r\n')), null);
  assert.equal(parseClientHello(Buffer.from([0x17, 0x03, 0x03, 0x00, 0x05, 1, 2, 3, 4, 5])), null);
  assert.equal(parseClientHello(Buffer.from([0x80, 0x2e, 0x01, 0x03, 0x01])), null);
  assert.equal(parseClientHello(Buffer.from([0x16, 0x03, 0x03, 0x00, 0x04, 0x02, 0x00, 0x00, 0x00])), null);
  assert.equal(parseClientHello(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x00])), null);
  assert.equal(parseClientHello(Buffer.from([0x16, 0x02, 0x01, 0x00, 0x04])), null);
});

test('a declared length beyond the bound is refused at once rather than waited for', () => {
  const header = Buffer.from([0x16, 0x03, 0x01, 0x40, 0x00, 0x01, 0x00, 0x40, 0x00]);
  assert.equal(parseClientHello(header), null);
  assert.equal(parseClientHello(header, MAX_CLIENT_HELLO_BYTES + 100), 'incomplete');
});

test('inner lengths that disagree with the message are malformed, never read past', async () => {
  const hello = await capture(ACME);
  const body = 5 + 4;
  // session id longer than 32
  const sid = Buffer.from(hello);
  sid[body + 34] = 33;
  assert.equal(parseClientHello(sid), null);
  // extensions block longer than what is left
  const ext = Buffer.from(hello);
  const sidLen = hello[body + 34] ?? 0;
  const ciphersAt = body + 35 + sidLen;
  const compAt = ciphersAt + 2 + hello.readUInt16BE(ciphersAt);
  const extAt = compAt + 1 + (hello[compAt] ?? 0);
  ext.writeUInt16BE(hello.readUInt16BE(extAt) + 1, extAt);
  assert.equal(parseClientHello(ext), null);
  // a handshake length shorter than the record: the extensions are cut short
  const short = Buffer.from(hello);
  const declared = (short.readUInt16BE(6) << 8) | (short[8] ?? 0);
  short.writeUInt16BE((declared - 3) >> 8, 6);
  short[8] = (declared - 3) & 0xff;
  assert.equal(parseClientHello(short), null);
});

test('every single-byte corruption of a real hello parses or is refused, never throws', async () => {
  const hello = await capture({ servername: 'a.test', ALPNProtocols: ['h2', 'http/1.1', 'acme-tls/1'] });
  for (let at = 0; at < hello.length; at++) {
    for (const value of [0x00, 0xff, (hello[at] ?? 0) ^ 0x01]) {
      const bad = Buffer.from(hello);
      bad[at] = value;
      const result = parseClientHello(bad);
      assert.ok(result === null || result === 'incomplete' || typeof result === 'object', `byte ${at} = ${value}`);
    }
  }
});

test('random garbage after a handshake record header never throws', () => {
  let seed = 42;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed & 0xff;
  };
  for (let i = 0; i < 3000; i++) {
    const length = 5 + (random() % 200);
    const buf = Buffer.alloc(length, 0);
    for (let j = 0; j < length; j++) buf[j] = random();
    buf[0] = 0x16;
    buf[1] = 0x03;
    if (i % 2 === 0) {
      buf.writeUInt16BE(length - 5, 3);
      buf[5] = 0x01;
    }
    const result = parseClientHello(buf);
    assert.ok(result === null || result === 'incomplete' || typeof result === 'object');
  }
});
