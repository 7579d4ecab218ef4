// The lean front corks the answers it ends and uncorks them in the loop's check phase (http1-front.ts uncorkSoon).
// Whatever closes the connection in the same turn (the client's half-close inside an unread body, shutdown closing
// idle connections) must not lose what is corked: the answer was complete and goes out whole, as without the cork.
// Each test makes the upstream's answer and the closing event readable in one poll of the loop: the backend (in this
// process) writes the answer and, in the same callback, triggers the other event.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { buildInput, entryPointOptions, startProxy } from '../../support/proxy-fixture.js';
import { startRawBackend, type RawBackend } from '../../support/raw-backend.js';
import { rawExchange, statuses } from '../../support/raw-exchange.js';

/** A chunked answer (its last chunk is written by FrontResponse.end under a cork), or one with a length. */
function answerFor(target: string): string {
  if (target.includes('chunked')) return `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${target.length.toString(16)}\r\n${target}\r\n0\r\n\r\n`;
  return `HTTP/1.1 200 OK\r\nContent-Length: ${target.length}\r\n\r\n${target}`;
}

/** The whole answer as the client must see it (the Date line aside). */
function wholeAnswer(target: string): RegExp {
  const body = target.includes('chunked') ? `${target.length.toString(16)}\\r\\n${target}\\r\\n0\\r\\n\\r\\n` : target;
  return new RegExp(`^HTTP/1\\.1 200 OK\\r\\n[\\s\\S]*\\r\\n\\r\\n${body}$`);
}

/** One client connection: writes `request`, reads until the proxy closes the connection. */
async function exchange(port: number, request: string, whileOpen: (client: net.Socket) => void): Promise<string> {
  const client = net.connect({ port, host: '127.0.0.1', noDelay: true });
  let text = '';
  client.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  client.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => client.on('close', () => resolve()));
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  whileOpen(client);
  client.write(request);
  await closed;
  return text;
}

describe('answers the lean front corked are not lost to a close in the same turn', () => {
  let backend: RawBackend;
  /** Run by the backend in the callback that writes its answer. */
  let onAnswer: (() => void) | null = null;

  before(async () => {
    backend = await startRawBackend((socket, head) => {
      socket.write(answerFor(/^[A-Z]+ (\S+)/.exec(head)?.[1] ?? ''));
      const hook = onAnswer;
      onAnswer = null;
      hook?.();
    });
  });
  after(() => backend.close());

  const routes = (): Parameters<typeof buildInput>[0] => ({
    http: {
      routers: { 'app@file': { rule: 'Host(`app.test`)', service: 'raw' } },
      services: { 'raw@file': { loadBalancer: { servers: [{ url: backend.url }] } } },
    },
  });

  test('the client half-closes inside the request body as its early answer is read: the answer arrives whole', async (t) => {
    const proxy = await startProxy(buildInput(routes()), [entryPointOptions('web')]);
    t.after(() => proxy.close(0));
    const wrong: string[] = [];
    for (const target of ['/early-chunked', '/early-length', '/early-chunked-again']) {
      const text = await exchange(proxy.port('web'), `POST ${target} HTTP/1.1\r\nHost: app.test\r\nContent-Length: 1000\r\n\r\npartial`, (client) => {
        onAnswer = () => client.end();
      });
      if (!wholeAnswer(target).test(text)) wrong.push(`${target}: ${JSON.stringify(text)}`);
    }
    assert.deepEqual(wrong, []);
  });

  test('shutdown closes idle connections as an answer ends: the answer arrives whole', async (t) => {
    const proxy = await startProxy(buildInput(routes()), [entryPointOptions('web')]);
    t.after(() => proxy.close(0));
    // A second connection, readable in the same poll as the upstream's answer: its read starts the shutdown.
    const side = net.createServer((socket) => socket.once('data', () => {
      void proxy.close(2000);
      socket.destroy();
    }));
    await new Promise<void>((resolve) => side.listen(0, '127.0.0.1', resolve));
    const trigger = net.connect({ port: (side.address() as AddressInfo).port, host: '127.0.0.1' });
    t.after(() => {
      trigger.destroy();
      return new Promise<void>((resolve) => side.close(() => resolve()));
    });
    await new Promise<void>((resolve) => trigger.once('connect', () => resolve()));
    const text = await exchange(proxy.port('web'), 'GET /at-shutdown-chunked HTTP/1.1\r\nHost: app.test\r\n\r\n', () => {
      onAnswer = () => trigger.write('x');
    });
    assert.match(text, wholeAnswer('/at-shutdown-chunked'));
  });

  test('pipelined answers, corked ones among them, arrive whole and in order, before node:http answers what follows them', async (t) => {
    const proxy = await startProxy(buildInput(routes()), [entryPointOptions('web')]);
    t.after(() => proxy.close(0));
    const get = (target: string, extra = ''): string => `GET ${target} HTTP/1.1\r\nHost: app.test\r\n${extra}\r\n`;
    const lean = ['/p1-chunked', '/p2', '/p3-chunked', '/p4-chunked'];
    const cases: [string, string, string[]][] = [
      // node:http answers the chunked request, then refuses the junk (a write and destroy() at once).
      ['junk after a request node:http serves', 'POST /p5-chunked HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nJUNK\r\n\r\n', ['200', '400']],
      ['junk alone', 'JUNK\r\n\r\n', ['400']],
      ['Connection: close', get('/p5-chunked', 'Connection: close\r\n') + get('/never'), ['200']],
    ];
    for (const [name, tail, after] of cases) {
      const { text, closed } = await rawExchange(proxy.port('web'), [lean.map((target) => get(target)).join('') + tail], /$^/, 1500);
      assert.deepEqual(statuses(text), ['200', '200', '200', '200', ...after], `${name}: ${JSON.stringify(text)}`);
      const bodies = text.split(/HTTP\/1\.1 \d{3} [^\r]*\r\n/).slice(1).map((answer) => answer.slice(answer.indexOf('\r\n\r\n') + 4));
      assert.deepEqual(bodies.slice(0, 4), ['b\r\n/p1-chunked\r\n0\r\n\r\n', '/p2', 'b\r\n/p3-chunked\r\n0\r\n\r\n', 'b\r\n/p4-chunked\r\n0\r\n\r\n'], name);
      assert.equal(closed, true, name);
    }
  });
});
