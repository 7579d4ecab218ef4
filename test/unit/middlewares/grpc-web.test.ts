// grpcWeb's translation pieces, and the middleware refusing to build until it is written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Base64Stream, grpcWebContentType, grpcWebKind, isPreflight, originAllowed, readTrailerFrame, trailerFrame } from '../../../proxy/middlewares/grpc-web.js';
import { middlewareFactory } from '../../../proxy/middlewares/registry.js';
import { freshScope } from '../../../proxy/middlewares/middleware-entry.js';

test('grpcWeb content types: gRPC-Web requests become gRPC, answers go back', () => {
  const cases: [string | undefined, ReturnType<typeof grpcWebKind>][] = [
    ['application/grpc-web', { text: false, grpcContentType: 'application/grpc' }],
    ['application/grpc-web+proto', { text: false, grpcContentType: 'application/grpc+proto' }],
    ['application/grpc-web-text', { text: true, grpcContentType: 'application/grpc' }],
    ['application/grpc-web-text+proto', { text: true, grpcContentType: 'application/grpc+proto' }],
    ['application/grpc', null],
    ['application/json', null],
    [undefined, null],
  ];
  for (const [ct, kind] of cases) assert.deepEqual(grpcWebKind(ct), kind, String(ct));
  assert.equal(grpcWebContentType('application/grpc+proto', false), 'application/grpc-web+proto');
  assert.equal(grpcWebContentType('application/grpc', true), 'application/grpc-web-text');
});

test('grpcWeb trailer frame: 0x80, a big-endian length, lower-case "name: value" lines', () => {
  const frame = trailerFrame([['Grpc-Status', '0'], ['Grpc-Message', 'OK']]);
  const body = 'grpc-status: 0\r\ngrpc-message: OK\r\n';
  assert.deepEqual(frame, Buffer.concat([Buffer.from([0x80, 0, 0, 0, body.length]), Buffer.from(body)]));
  assert.deepEqual(readTrailerFrame(frame), [['grpc-status', '0'], ['grpc-message', 'OK']]);
  assert.equal(readTrailerFrame(Buffer.from([0x00, 0, 0, 0, 0])), null, 'a data frame is not a trailer frame');
});

test('grpcWeb -text bodies: base64 decoded across chunk boundaries and padded chunks', () => {
  const message = Buffer.from([0, 0, 0, 0, 3, 0x0a, 0x01, 0x61]);
  const b64 = message.toString('base64');
  const stream = new Base64Stream();
  const out = Buffer.concat([stream.push(b64.slice(0, 5)), stream.push(b64.slice(5)), stream.push(Buffer.from([1]).toString('base64'))]);
  assert.deepEqual(out, Buffer.concat([message, Buffer.from([1])]));
  assert.equal(stream.complete, true);
});

test('grpcWeb CORS: preflight recognised, origins as Traefik checks them', () => {
  assert.equal(isPreflight('OPTIONS', { origin: 'https://a.test', 'access-control-request-method': 'POST' }), true);
  assert.equal(isPreflight('OPTIONS', { origin: 'https://a.test' }), false);
  assert.equal(originAllowed(['https://a.test'], 'https://a.test'), true);
  assert.equal(originAllowed(['https://a.test'], 'https://b.test'), false);
  assert.equal(originAllowed(['*'], 'https://b.test'), true);
  assert.equal(originAllowed([], 'https://a.test'), false);
});

test('grpcWeb refuses to build, naming what it needs (its routers are disabled with that reason)', () => {
  const factory = middlewareFactory('grpcWeb');
  assert.ok(factory);
  assert.throws(() => factory({ allowOrigins: ['*'] }, () => undefined, freshScope), /grpcWeb is not implemented yet in pe-edge/);
});
