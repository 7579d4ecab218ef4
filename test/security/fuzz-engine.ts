// A bounded, seeded fuzzer for pe-edge's fronts and its upstream side (issue 7, item 4). It drives
// random and mutated bytes at the plain HTTP/1.1 front (lean and node:http routers), HTTP/1.1 over
// TLS, raw HTTP/2 frame sequences, and makes the hostile backend answer with random and mutated
// responses. After each batch the child process must still be alive and answer a normal request.
// Shared by the bounded test (test/integration/security/fuzz.test.ts) and the longer script
// (test/security/fuzz.ts). Everything goes to 127.0.0.1; every loop and wait is bounded.
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { healthProblem, TEST_AUTH, type EdgeChild } from '../support/edge-child.js';
import { dataFrame, ERR, FLAG, frame, FRAME, goaway, headerBlock, ping, RawH2Connection, requestFields, rstStream, settings, windowUpdate } from '../support/h2-frames.js';
import type { HostileRequest } from '../support/hostile-backend.js';

// ---------------------------------------------------------------- seeded PRNG

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
export class Rng {
  private state: number;
  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }
  range(min: number, maxInclusive: number): number {
    return min + this.int(maxInclusive - min + 1);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
}

// ---------------------------------------------------------------- byte mutations

const INTERESTING = [0x0d, 0x0a, 0x00, 0x0b, 0x7f, 0x01, 0x3a, 0x20, 0x09, 0x80, 0xff, 0x2c, 0x3b, 0x22];

/** 0-3 random edits: flip, insert an interesting byte, delete, duplicate, truncate, CRLF→LF. */
export function mutate(rng: Rng, input: Buffer, maxEdits = 3): Buffer {
  let b: Buffer = Buffer.from(input);
  const edits = rng.int(maxEdits + 1);
  for (let e = 0; e < edits && b.length > 0; e++) {
    const at = rng.int(b.length);
    switch (rng.int(6)) {
      case 0:
        b[at] = (b[at] ?? 0) ^ (1 << rng.int(8));
        break;
      case 1:
        b = Buffer.concat([b.subarray(0, at), Buffer.from([rng.pick(INTERESTING)]), b.subarray(at)]);
        break;
      case 2:
        b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + rng.range(1, 8)))]);
        break;
      case 3: {
        const len = rng.range(1, 16);
        b = Buffer.concat([b.subarray(0, at + len), b.subarray(at, at + len), b.subarray(at + len)]);
        break;
      }
      case 4:
        b = b.subarray(0, at);
        break;
      default:
        b = Buffer.from(b.toString('latin1').replace('\r\n', '\n'), 'latin1');
    }
  }
  return b;
}

// ---------------------------------------------------------------- HTTP/1.1 request generator

const PATHS = ['/lean/fz', '/mw/fz', '/public/fz', '/admin/fz', '/public/../admin/fz', '/mw-tls/fz', '/lean/%2e%2e/x', '/'];

function requestHead(rng: Rng, paths: readonly string[]): { head: string; body: Buffer } {
  const method = rng.chance(0.75) ? rng.pick(['GET', 'POST']) : rng.pick(['PUT', 'HEAD', 'OPTIONS', 'DELETE', 'CONNECT', 'PRI', 'G\x00T', 'gEt', 'TRACE']);
  let target = rng.pick(paths) + (rng.chance(0.3) ? `?q=${rng.int(1000)}` : '');
  if (rng.chance(0.1)) target = rng.pick(['*', 'http://nx.test/admin/x', 'http://127.0.0.1/lean/x', '//lean', 'lean', '/lean/' + 'a'.repeat(rng.range(100, 9000)), '/lean/\x7f', '/lean/#frag']);
  const version = rng.chance(0.85) ? 'HTTP/1.1' : rng.pick(['HTTP/1.0', 'HTTP/1.2', 'HTTP/2.0', 'http/1.1', 'HTTP/1.1 ', 'HTTP/0.9', '']);
  const lines = [`${method} ${target} ${version}`];
  const hosts = rng.chance(0.1) ? 2 : rng.chance(0.05) ? 0 : 1;
  for (let i = 0; i < hosts; i++) lines.push(`Host: ${rng.chance(0.8) ? rng.pick(['localhost', 'nx.test']) : rng.pick(['nx.test:80', '127.0.0.1', '', 'a b', 'nx.test.', '[::1]'])}`);
  let body: Buffer = Buffer.alloc(0);
  const framing = rng.int(6);
  const bodyBytes = rng.chance(0.5) ? Buffer.from('hello fuzz body'.slice(0, rng.range(0, 15))) : rng.bytes(rng.range(0, 64));
  if (framing === 1 || framing === 3) {
    const cl = rng.chance(0.6) ? String(bodyBytes.length) : rng.pick([String(bodyBytes.length + rng.range(1, 50)), '0', '-1', ' 5', '5, 5', '99999999999999999999', 'abc', '0x10']);
    lines.push(`Content-Length: ${cl}`);
    if (rng.chance(0.15)) lines.push(`Content-Length: ${rng.range(0, 30)}`);
    body = bodyBytes;
  }
  if (framing === 2 || framing === 3) {
    const sane = rng.chance(0.6);
    lines.push(sane ? 'Transfer-Encoding: chunked' : `${rng.pick(['Transfer-Encoding', 'transfer-encoding', 'Transfer-Encoding ', 'Transfer_Encoding'])}: ${rng.pick(['chunked', ' chunked', 'chunked ', 'Chunked', 'gzip, chunked', 'chunked, identity', 'xchunked', '\tchunked', 'chunked, chunked', 'identity'])}`);
    const size = sane || rng.chance(0.5) ? bodyBytes.length.toString(16) : rng.pick(['zz', 'ffffffffffffffffff', `${bodyBytes.length.toString(16)};ext=1`, '-1', ' 5', '0']);
    body = Buffer.concat([Buffer.from(`${size}\r\n`), bodyBytes, Buffer.from(sane ? '\r\n0\r\n\r\n' : rng.pick(['\r\n0\r\n\r\n', '\r\n0\r\nX-Trailer: 1\r\n\r\n', '\n0\n\n', '\r\n', '0\r\n\r\n', '']))]);
  }
  if (framing === 4) body = bodyBytes; // a body nothing announces
  const extras = rng.int(4);
  for (let i = 0; i < extras; i++) {
    if (rng.chance(0.5)) {
      lines.push(rng.pick(['Accept: */*', 'User-Agent: fuzz', 'X-Request-Id: 1', 'Cookie: a=1', 'Connection: keep-alive', `Authorization: ${TEST_AUTH}`]));
      continue;
    }
    lines.push(
      rng.pick([
        'Connection: close',
        'Connection: keep-alive',
        'Connection: X-WebAuth-User, Authorization',
        'Connection: Upgrade\r\nUpgrade: websocket',
        'Upgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAAQAAP__',
        'Expect: 100-continue',
        `Authorization: ${TEST_AUTH}`,
        'X-Folded: a\r\n b',
        'X-Bare: lf\nX-After: 1',
        ' X-Leading-Space: 1',
        'X Space: 1',
        'X-Ctl: a\x01b',
        '__proto__: x',
        'X-Long: ' + 'v'.repeat(rng.range(1000, 70_000)),
        'X-Forwarded-For: 1.2.3.4',
        'TE: trailers',
        ':authority: evil',
      ]),
    );
  }
  return { head: lines.join('\r\n') + '\r\n\r\n', body };
}

/** One or more (pipelined) requests, then 0-3 byte edits over the whole. */
export function requestBytes(rng: Rng, paths: readonly string[]): Buffer {
  const n = rng.chance(0.2) ? rng.range(2, 4) : 1;
  const parts: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const { head, body } = requestHead(rng, paths);
    parts.push(Buffer.from(head, 'latin1'), body);
  }
  const whole = Buffer.concat(parts);
  if (rng.chance(0.1)) return rng.bytes(rng.range(1, 200)); // pure noise
  return rng.chance(0.35) ? mutate(rng, whole) : whole;
}

// ---------------------------------------------------------------- cases

/** One planned exchange: a description for replay, and the run that performs it. */
export interface FuzzCase {
  family: Family;
  describe: string;
  run(edge: EdgeChild): Promise<void>;
}

export const FAMILIES = ['plain-h1', 'tls-h1', 'h2-frames', 'hostile-backend'] as const;
export type Family = (typeof FAMILIES)[number];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** A guard timer that does not keep the process alive once everything else is done. */
const guard = (fn: () => void, ms: number): void => void setTimeout(fn, ms).unref();

function show(b: Buffer, max = 400): string {
  const s = JSON.stringify(b.subarray(0, max).toString('latin1'));
  return b.length > max ? `${s}…(${b.length} bytes)` : s;
}

/** What the clients saw, by family and outcome (`200`, `400`, `reset`, `no answer`...): proof the cases reach pe-edge. */
export const outcomes = new Map<string, number>();

function count(key: string): void {
  outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
}

/** Writes `chunks` with `delays` between them, reads for up to `readMs`, then destroys the socket. */
async function socketExchange(family: Family, socket: net.Socket, chunks: Buffer[], delays: number[], readMs: number, abortAfter: number | null): Promise<void> {
  let first = '';
  socket.on('error', () => undefined);
  socket.on('data', (d: Buffer) => {
    if (first === '') first = d.subarray(0, 12).toString('latin1');
  });
  socket.once('close', () => count(`${family} ${/^HTTP\/1\.[01] \d{3}/.test(first) ? first.slice(9, 12) : first === '' ? 'no answer' : 'other bytes'}`));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  try {
    for (let i = 0; i < chunks.length && !socket.destroyed; i++) {
      socket.write(chunks[i] as Buffer);
      if (abortAfter === i) return;
      await sleep(delays[i] ?? 0);
    }
    await Promise.race([closed, sleep(readMs)]);
  } finally {
    socket.destroy();
  }
}

function splitRandomly(rng: Rng, b: Buffer): { chunks: Buffer[]; delays: number[] } {
  const pieces = rng.chance(0.6) ? 1 : rng.range(2, 5);
  const cuts = [...new Set(Array.from({ length: pieces - 1 }, () => rng.int(b.length + 1)))].sort((x, y) => x - y);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const c of [...cuts, b.length]) {
    chunks.push(b.subarray(from, c));
    from = c;
  }
  return { chunks, delays: chunks.map(() => rng.range(0, 40)) };
}

function h1Case(rng: Rng, family: 'plain-h1' | 'tls-h1'): FuzzCase {
  const bytes = requestBytes(rng, family === 'plain-h1' ? PATHS : ['/', '/mw-tls/fz', '/hostile/fz-ok', '/lean/fz', '/x/../mw-tls/y']);
  const { chunks, delays } = splitRandomly(rng, bytes);
  const abortAfter = rng.chance(0.15) ? rng.int(chunks.length) : null;
  return {
    family,
    describe: `${family} chunks=${chunks.map((c) => c.length).join('+')} abortAfter=${String(abortAfter)} bytes=${show(bytes)}`,
    run: async (edge) => {
      const socket =
        family === 'plain-h1'
          ? net.connect(edge.port, '127.0.0.1')
          : tls.connect({ host: '127.0.0.1', port: edge.port, servername: rng.pick(['localhost', 'nx.test']), rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
      await new Promise<void>((resolve) => {
        socket.once(family === 'plain-h1' ? 'connect' : 'secureConnect', () => resolve());
        socket.once('error', () => resolve());
        guard(resolve, 2000);
      });
      await socketExchange(family, socket, chunks, delays, 400, abortAfter);
    },
  };
}

/** A random frame for a raw HTTP/2 connection (valid, mutated or nonsense). */
function randomH2Frame(rng: Rng, streams: number[]): { bytes: Buffer; what: string } {
  const sid = rng.chance(0.85) ? rng.pick(streams) : rng.pick([0, 2, 0x7fffffff, 101]);
  const kind = rng.int(12);
  switch (kind) {
    case 0:
    case 1: {
      const method = rng.pick(['GET', 'POST', 'POST', 'PUT', 'CONNECT', 'HEAD']);
      const path = rng.pick(['/lean/h2', '/mw-tls/h2', '/hostile/fz-ok', '/', '/x/../mw-tls/y', '', '*']);
      const extra: [string, string][] = [];
      if (rng.chance(0.5)) extra.push(['content-length', rng.pick(['0', '5', '100', '-1', 'abc', '5, 6'])]);
      if (rng.chance(0.2)) extra.push(rng.pick([['connection', 'keep-alive'], ['te', 'gzip'], ['te', 'trailers'], ['host', 'other.test'], ['Upper', 'x'], [':method', 'GET'], ['transfer-encoding', 'chunked'], ['x-bad', 'a\r\nb'], ['cookie', 'a=1'], [':protocol', 'websocket']]));
      let fields = requestFields(method, path, rng.pick(['localhost', 'nx.test', '', 'a b']), extra);
      if (rng.chance(0.1)) fields = fields.filter(() => rng.chance(0.7));
      const endHeaders = rng.chance(0.9);
      const flags = (endHeaders ? FLAG.END_HEADERS : 0) | (rng.chance(0.5) ? FLAG.END_STREAM : 0);
      const block = headerBlock(fields);
      return { bytes: frame(FRAME.HEADERS, flags, sid, rng.chance(0.15) ? mutate(rng, block) : block), what: `HEADERS s${sid} ${method} ${path} ${JSON.stringify(extra)} flags=${flags}` };
    }
    case 2:
    case 3: {
      const len = rng.pick([0, 5, 47, 100, rng.range(0, 20_000)]);
      const end = rng.chance(0.5);
      return { bytes: dataFrame(sid, Buffer.alloc(len, 0x61), end), what: `DATA s${sid} ${len}B end=${end}` };
    }
    case 4: {
      const code = rng.pick([ERR.CANCEL, ERR.NO_ERROR, ERR.PROTOCOL_ERROR, ERR.INTERNAL_ERROR, ERR.REFUSED_STREAM, 0xffffffff]);
      return { bytes: rstStream(sid, code), what: `RST_STREAM s${sid} ${code}` };
    }
    case 5: {
      const inc = rng.pick([0, 1, 65_535, 0x7fffffff, rng.int(1 << 20)]);
      return { bytes: windowUpdate(rng.chance(0.5) ? 0 : sid, inc), what: `WINDOW_UPDATE ${inc}` };
    }
    case 6: {
      const entries: [number, number][] = Array.from({ length: rng.range(0, 3) }, () => [rng.range(0, 9), rng.pick([0, 1, 100, 16_384, 16_777_215, 0xffffffff, rng.int(70_000)])]);
      return { bytes: settings(entries, rng.chance(0.1)), what: `SETTINGS ${JSON.stringify(entries)}` };
    }
    case 7:
      return { bytes: goaway(rng.pick([0, 1, 3, 0x7fffffff]), rng.pick([0, 1, 2, 8])), what: 'GOAWAY' };
    case 8:
      return { bytes: ping(rng.chance(0.2)), what: 'PING' };
    case 9: {
      // CONTINUATION, PRIORITY, PUSH_PROMISE or an unknown type, with random flags and payload.
      const type = rng.pick([FRAME.CONTINUATION, FRAME.PRIORITY, FRAME.PUSH_PROMISE, 10, 0xff]);
      const payload = rng.bytes(rng.range(0, 40));
      return { bytes: frame(type, rng.int(256), sid, payload), what: `type${type} s${sid} ${payload.length}B` };
    }
    case 10: {
      // A frame whose declared length disagrees with the bytes that follow.
      const real = dataFrame(sid, Buffer.alloc(rng.range(0, 30), 0x62), rng.chance(0.5));
      real.writeUIntBE(rng.pick([0, 1, 100, 16_385, 0xffffff]), 0, 3);
      return { bytes: real, what: `DATA s${sid} with a lying length` };
    }
    default: {
      const b = rng.bytes(rng.range(1, 30));
      return { bytes: b, what: `noise ${b.length}B` };
    }
  }
}

function h2Case(rng: Rng): FuzzCase {
  const streams = [1, 3, 5, 7];
  const plan: { bytes: Buffer; what: string; delay: number }[] = [];
  // Usually start with a sane request, so the interesting part is what follows it.
  if (rng.chance(0.7)) {
    const post = rng.chance(0.6);
    plan.push({
      bytes: frame(FRAME.HEADERS, FLAG.END_HEADERS | (post ? 0 : FLAG.END_STREAM), 1, headerBlock(requestFields(post ? 'POST' : 'GET', rng.pick(['/lean/h2', '/mw-tls/h2', '/hostile/fz-ok']), 'localhost', post && rng.chance(0.5) ? [['content-length', String(rng.pick([5, 100, 0]))]] : []))),
      what: `HEADERS s1 ${post ? 'POST' : 'GET'}`,
      delay: rng.range(0, 30),
    });
    if (post) plan.push({ bytes: dataFrame(1, 'hello', rng.chance(0.3)), what: 'DATA s1 hello', delay: rng.range(0, 300) });
  }
  const n = rng.range(1, 10);
  for (let i = 0; i < n; i++) {
    const f = randomH2Frame(rng, streams);
    plan.push({ ...f, delay: rng.chance(0.3) ? rng.range(0, 150) : 0 });
  }
  // A client that gives up on its first request at a random moment, as a browser cancelling an upload does.
  if (rng.chance(0.35)) plan.splice(rng.range(1, plan.length), 0, { bytes: rstStream(1, ERR.CANCEL), what: 'RST_STREAM s1 CANCEL', delay: rng.range(0, 200) });
  return {
    family: 'h2-frames',
    describe: `h2-frames ${plan.map((p) => `${p.what} +${p.delay}ms`).join(' | ')}; hex=${Buffer.concat(plan.map((p) => p.bytes)).subarray(0, 300).toString('hex')}`,
    run: async (edge) => {
      const conn = await RawH2Connection.connect(edge.port).catch(() => undefined);
      if (conn === undefined) return;
      try {
        for (const p of plan) {
          if (conn.closed) break;
          conn.write(p.bytes);
          if (p.delay > 0) await sleep(p.delay);
        }
        await conn.waitFor(() => conn.closed, 300);
        count(`h2-frames ${conn.frames.some((f) => f.type === FRAME.HEADERS) ? 'HEADERS' : conn.frames.some((f) => f.type === FRAME.RST_STREAM) ? 'RST_STREAM' : conn.frames.some((f) => f.type === FRAME.GOAWAY) ? 'GOAWAY' : 'no answer'}`);
      } finally {
        conn.destroy();
      }
    },
  };
}

// ---------------------------------------------------------------- hostile backend answers

function hostileResponse(rng: Rng): { bytes: Buffer; behaviour: 'end' | 'keep-open' | 'cut' | 'trickle'; cutAt: number; preDelay: number; unsolicited: boolean } {
  const version = rng.chance(0.8) ? 'HTTP/1.1' : rng.pick(['HTTP/1.0', 'HTTP/2', 'HTTP/1.1x', 'http/1.1', '', 'ICY']);
  const status = rng.chance(0.6) ? '200' : rng.pick(['204', '304', '101', '100', '103', '404', '502', '0', '999', '1000', 'abc', '-1', '20', '2000', '']);
  const reason = rng.chance(0.7) ? 'OK' : rng.pick(['', 'O\x0bK\x7f\x01', 'X'.repeat(rng.range(100, 10_000)), 'Ünicode ✓', 'A\rB', 'with\x00nul', 'tab\there']);
  const body = Buffer.from(rng.pick(['ok', '', 'hello world', 'x'.repeat(rng.range(0, 5000))]));
  const eol = rng.chance(0.1) ? '\n' : '\r\n';
  const lines = [`${version} ${status}${reason === '' && rng.chance(0.5) ? '' : ' ' + reason}`];
  const framing = rng.int(5);
  let payload: Buffer = body;
  if (framing === 0) lines.push(`Content-Length: ${rng.chance(0.6) ? String(body.length) : rng.pick([String(body.length + rng.range(1, 100)), String(Math.max(0, body.length - 1)), '-1', 'abc', '1e3', '99999999999999999999'])}`);
  if (framing === 1) {
    lines.push(`Content-Length: ${body.length}`, `Content-Length: ${rng.chance(0.5) ? body.length : body.length + 1}`);
  }
  if (framing === 2 || framing === 3) {
    lines.push(`Transfer-Encoding: ${rng.pick(['chunked', 'chunked', 'gzip, chunked', 'chunked, chunked', 'identity', ' chunked', 'xchunked'])}`);
    if (framing === 3) lines.push(`Content-Length: ${body.length}`);
    const size = rng.pick([body.length.toString(16), body.length.toString(16), 'zz', 'ffffffffffffffff', `${body.length.toString(16)};a=b`, '-1']);
    payload = Buffer.concat([Buffer.from(`${size}\r\n`), body, Buffer.from(rng.pick(['\r\n0\r\n\r\n', '\r\n0\r\nTrailer-X: 1\r\n\r\n', '\r\n', '\r\n0\r\n']))]);
  }
  // framing 4: no length at all (read to close)
  const extras = rng.chance(0.4) ? 0 : rng.int(5);
  for (let i = 0; i < extras; i++) {
    lines.push(
      rng.pick([
        '__proto__: polluted',
        'constructor: x',
        'hasOwnProperty: 1',
        'Bad Name: x',
        'X-Ctl: a\x01b',
        'X-Nul: a\x00b',
        'X-Folded: a\r\n  folded',
        ': empty-name',
        'Connection: close',
        'Connection: keep-alive, X-Secret',
        'X-Secret: hop',
        'Upgrade: websocket',
        'Set-Cookie: a=1',
        'Set-Cookie: b=2',
        'Proxy-Authenticate: Basic',
        'Keep-Alive: timeout=1',
        'Content-Type: text/html\x7f',
        'X-Big: ' + 'b'.repeat(rng.range(1000, 70_000)),
        Array.from({ length: rng.range(10, 1500) }, (_, k) => `X-Many-${k}: v`).join('\r\n'),
      ]),
    );
  }
  let head = lines.join('\r\n') + '\r\n\r\n';
  if (eol === '\n') head = head.replaceAll('\r\n', '\n');
  let bytes: Buffer = Buffer.concat([Buffer.from(head, 'latin1'), payload]);
  if (rng.chance(0.1)) bytes = Buffer.concat([Buffer.from('HTTP/1.1 100 Continue\r\n\r\n'), bytes]);
  if (rng.chance(0.2)) bytes = mutate(rng, bytes);
  if (rng.chance(0.03)) bytes = rng.bytes(rng.range(0, 300));
  const behaviour = rng.pick(['end', 'end', 'end', 'keep-open', 'keep-open', 'cut', 'trickle'] as const);
  return { bytes, behaviour, cutAt: rng.int(bytes.length + 1), preDelay: rng.chance(0.2) ? rng.range(0, 300) : 0, unsolicited: rng.chance(0.1) };
}

/** Responses planned per case id; the hostile backend looks them up by the `/fz/<id>` in the target. */
const hostilePlans = new Map<string, ReturnType<typeof hostileResponse>>();

/** The hostile backend's handler for fuzzing: the planned answer for `/fz/<id>`, else a plain 200 "ok". */
export function fuzzHostileHandler({ target, socket }: HostileRequest): void {
  const id = /\/fz\/([a-z0-9-]+)/.exec(target)?.[1];
  const plan = id === undefined ? undefined : hostilePlans.get(id);
  if (plan === undefined) {
    socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    return;
  }
  const go = (): void => {
    if (socket.destroyed) return;
    switch (plan.behaviour) {
      case 'end':
        socket.end(plan.bytes);
        break;
      case 'keep-open':
        socket.write(plan.bytes);
        if (plan.unsolicited) setTimeout(() => socket.destroyed || socket.write('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nunsolicit'), 200);
        guard(() => socket.destroy(), 1000);
        break;
      case 'cut':
        socket.write(plan.bytes.subarray(0, plan.cutAt), () => socket.destroy());
        break;
      case 'trickle': {
        let at = 0;
        const step = (): void => {
          if (socket.destroyed || at >= plan.bytes.length) return void socket.end();
          const n = Math.max(1, Math.floor(plan.bytes.length / 4));
          socket.write(plan.bytes.subarray(at, at + n));
          at += n;
          setTimeout(step, 20);
        };
        step();
        break;
      }
    }
  };
  if (plan.preDelay > 0) setTimeout(go, plan.preDelay);
  else go();
}

let planCounter = 0;

function hostileCase(rng: Rng): FuzzCase {
  const id = `c${(planCounter++).toString(36)}`;
  const plan = hostileResponse(rng);
  const front = rng.pick(['plain-lean', 'plain-mw', 'tls-h1', 'h2'] as const);
  const method = rng.pick(['GET', 'GET', 'HEAD', 'POST']);
  const clientAbortMs = rng.chance(0.1) ? rng.range(0, 300) : null;
  return {
    family: 'hostile-backend',
    describe: `hostile-backend front=${front} ${method} behaviour=${plan.behaviour} cutAt=${plan.cutAt} preDelay=${plan.preDelay} unsolicited=${plan.unsolicited} clientAbort=${String(clientAbortMs)} response=${show(plan.bytes)}`,
    run: async (edge) => {
      hostilePlans.set(id, plan);
      try {
        const path = { 'plain-lean': '/hostile-lean', 'plain-mw': '/hostile-mw', 'tls-h1': '/hostile', h2: '/hostile' }[front] + `/fz/${id}`;
        const seen = await clientRequest(edge.port, front, method, path, 1500, clientAbortMs);
        if (process.env.FUZZ_VERBOSE !== undefined) console.log(`${seen} <= ${front} ${method} ${plan.behaviour} ${show(plan.bytes, 120)}`);
      } finally {
        hostilePlans.delete(id);
      }
    },
  };
}

/** A request through a front whose answer (or failure) is awaited but not judged: only survival is. */
async function clientRequest(port: number, front: 'plain-lean' | 'plain-mw' | 'tls-h1' | 'h2', method: string, path: string, timeoutMs: number, abortMs: number | null): Promise<string> {
  let seen = 'no answer';
  if (front === 'h2') {
    const session = http2.connect(`https://127.0.0.1:${port}`, { rejectUnauthorized: false, servername: 'localhost' });
    session.on('error', () => undefined);
    try {
      await new Promise<void>((resolve) => {
        const stream = session.request({ ':method': method, ':path': path, ':authority': 'localhost' }, { endStream: method !== 'POST' });
        stream.on('error', () => resolve());
        stream.on('response', (h) => {
          seen = String(h[':status']);
          count(`hostile-backend h2 ${seen}`);
        });
        stream.on('data', () => undefined);
        stream.on('close', () => resolve());
        if (method === 'POST') stream.end('body');
        guard(resolve, timeoutMs);
        if (abortMs !== null) guard(() => stream.destroy(), abortMs);
      });
    } finally {
      session.destroy();
    }
    return seen;
  }
  const lib = front === 'tls-h1' ? https : http;
  await new Promise<void>((resolve) => {
    const req = lib.request({ host: '127.0.0.1', port, path, method, agent: false, rejectUnauthorized: false, servername: 'localhost', insecureHTTPParser: true });
    req.on('response', (res) => {
      seen = String(res.statusCode);
      count(`hostile-backend ${front} ${seen}`);
      res.on('data', () => undefined);
      res.on('end', () => resolve());
      res.on('error', () => resolve());
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      seen = e.code ?? e.message;
      resolve();
    });
    req.on('close', () => resolve());
    guard(() => {
      req.destroy();
      resolve();
    }, timeoutMs);
    if (abortMs !== null) guard(() => req.destroy(), abortMs);
    req.end(method === 'POST' ? 'body' : undefined);
  });
  return seen;
}

function makeCase(rng: Rng, family: Family): FuzzCase {
  switch (family) {
    case 'plain-h1':
      return h1Case(rng, 'plain-h1');
    case 'tls-h1':
      return h1Case(rng, 'tls-h1');
    case 'h2-frames':
      return h2Case(rng);
    case 'hostile-backend':
      return hostileCase(rng);
  }
}

// ---------------------------------------------------------------- the run

export interface FuzzOptions {
  seed: number;
  /** Stop starting batches after this long. */
  durationMs: number;
  families?: readonly Family[];
  casesPerBatch?: number;
  /** Cases of a batch run this many at a time. */
  concurrency?: number;
  log?: (line: string) => void;
}

export interface FuzzFailure {
  seed: number;
  families: readonly Family[];
  batch: number;
  family: Family;
  problem: string;
  cases: string[];
}

export interface FuzzResult {
  seed: number;
  batches: number;
  cases: number;
  failure: FuzzFailure | null;
}

/**
 * Runs batches (one family each, round-robin) until `durationMs` is spent or a batch leaves pe-edge
 * dead or not answering; the failure names the seed, batch and every case of that batch.
 */
export async function runFuzz(edge: EdgeChild, opts: FuzzOptions): Promise<FuzzResult> {
  const rng = new Rng(opts.seed);
  const families = opts.families ?? FAMILIES;
  const perBatch = opts.casesPerBatch ?? 12;
  const concurrency = opts.concurrency ?? 6;
  const log = opts.log ?? (() => undefined);
  edge.hostile.handler = fuzzHostileHandler;
  const started = Date.now();
  let batches = 0;
  let cases = 0;
  while (Date.now() - started < opts.durationMs) {
    const family = families[batches % families.length] as Family;
    const batch = Array.from({ length: perBatch }, () => makeCase(rng, family));
    for (let i = 0; i < batch.length; i += concurrency) {
      // Each case is bounded by its own timers; the race is a last guard against a hang in the harness.
      await Promise.race([Promise.all(batch.slice(i, i + concurrency).map((c) => c.run(edge).catch(() => undefined))), new Promise<void>((r) => guard(r, 10_000))]);
    }
    cases += batch.length;
    const problem = await healthProblem(edge);
    if (problem !== null) {
      return { seed: opts.seed, batches: batches + 1, cases, failure: { seed: opts.seed, families, batch: batches, family, problem, cases: batch.map((c) => c.describe) } };
    }
    batches += 1;
    log(`batch ${batches} (${family}) ok, ${cases} cases, ${Math.round((Date.now() - started) / 1000)} s`);
  }
  return { seed: opts.seed, batches, cases, failure: null };
}

/** The failure as a report a person can replay from. */
export function formatFailure(f: FuzzFailure): string {
  return [
    `pe-edge did not survive fuzz batch ${f.batch} (${f.family}), seed ${f.seed}`,
    `replay: node dist/test/security/fuzz.js 60 --seed=${f.seed} --families=${f.families.join(',')}`,
    `problem: ${f.problem}`,
    'cases of the batch:',
    ...f.cases.map((c, i) => `  [${i}] ${c}`),
  ].join('\n');
}
