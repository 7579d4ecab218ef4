// grpcWeb's translation pieces (the Go wrapper's rules, table by table) and its CORS (rs/cors v1.7.0 as the wrapper sets it up).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Base64Stream, grpcWebContentType, grpcWebKind, readTrailerFrame, trailerFrame } from '../../../proxy/middlewares/grpc-web/grpc-web-protocol.js';
import { asksForGrpcWebCors, isPreflight, originCheck, parseHeaderList, preflightHeaders } from '../../../proxy/middlewares/grpc-web/grpc-web-cors.js';

test('grpcWeb content types: gRPC-Web requests become gRPC, answers go back', () => {
  const cases: [string | undefined, ReturnType<typeof grpcWebKind>][] = [
    ['application/grpc-web', { text: false, grpcContentType: 'application/grpc' }],
    ['application/grpc-web+proto', { text: false, grpcContentType: 'application/grpc+proto' }],
    ['application/grpc-web-text', { text: true, grpcContentType: 'application/grpc' }],
    ['application/grpc-web-text+proto', { text: true, grpcContentType: 'application/grpc+proto' }],
    // The wrapper's strings.HasPrefix is case-sensitive: another spelling is no gRPC-Web request.
    ['Application/grpc-web', null],
    ['application/grpc', null],
    ['application/json', null],
    [undefined, null],
  ];
  for (const [ct, kind] of cases) assert.deepEqual(grpcWebKind(ct), kind, String(ct));
  assert.equal(grpcWebContentType('application/grpc+proto', false), 'application/grpc-web+proto');
  assert.equal(grpcWebContentType('application/grpc', true), 'application/grpc-web-text');
  assert.equal(grpcWebContentType('text/plain; charset=utf-8', false), 'text/plain; charset=utf-8', 'only a gRPC type is rewritten');
});

test('grpcWeb trailer frame: 0x80, a big-endian length, lower-case "name: value" lines sorted by name', () => {
  const frame = trailerFrame({ 'grpc-status': '0', 'grpc-message': 'OK', 'x-multi': ['a', ' b\r\nc '] });
  const body = 'grpc-message: OK\r\ngrpc-status: 0\r\nx-multi: a\r\nx-multi: b  c\r\n';
  assert.deepEqual(frame, Buffer.concat([Buffer.from([0x80, 0, 0, 0, body.length]), Buffer.from(body)]));
  assert.deepEqual(readTrailerFrame(frame), [['grpc-message', 'OK'], ['grpc-status', '0'], ['x-multi', 'a'], ['x-multi', 'b  c']]);
  assert.deepEqual(trailerFrame(null), Buffer.from([0x80, 0, 0, 0, 0]), 'a trailers-only answer ends with an empty frame');
  assert.equal(readTrailerFrame(Buffer.from([0x00, 0, 0, 0, 0])), null, 'a data frame is not a trailer frame');
});

test('grpcWeb -text bodies: base64 decoded across chunk boundaries, padded chunks and line breaks; junk refused', () => {
  const message = Buffer.from([0, 0, 0, 0, 3, 0x0a, 0x01, 0x61]);
  const b64 = message.toString('base64');
  const stream = new Base64Stream();
  const out = Buffer.concat([stream.push(b64.slice(0, 5)), stream.push(`${b64.slice(5, 9)}\r\n${b64.slice(9)}`), stream.push(Buffer.from([1]).toString('base64'))]);
  assert.deepEqual(out, Buffer.concat([message, Buffer.from([1])]));
  assert.equal(stream.complete, true);
  const half = new Base64Stream();
  half.push('AAE');
  assert.equal(half.complete, false, 'a body that ends inside a quantum is incomplete');
  assert.throws(() => new Base64Stream().push('AA AA'), /illegal base64 data at input byte 0/);
  assert.throws(() => new Base64Stream().push('AAAA*AAA'), /illegal base64 data at input byte 4/);
  assert.throws(() => new Base64Stream().push('A=AA'), /illegal base64 data/);
});

test('grpcWeb CORS: which OPTIONS are gRPC-Web preflights, origins as Traefik checks them', () => {
  assert.equal(asksForGrpcWebCors('OPTIONS', 'content-type,X-Grpc-Web,x-user-agent'), true);
  assert.equal(asksForGrpcWebCors('OPTIONS', 'content-type'), false, 'a preflight for something else passes through');
  assert.equal(asksForGrpcWebCors('POST', 'x-grpc-web'), false);
  assert.equal(isPreflight('OPTIONS', 'POST'), true);
  assert.equal(isPreflight('OPTIONS', ''), false);
  assert.equal(originCheck(['https://a.test'])('https://a.test'), true);
  assert.equal(originCheck(['https://a.test'])('https://b.test'), false);
  assert.equal(originCheck(['*'])('https://b.test'), true);
  assert.equal(originCheck([])('https://a.test'), false);
});

test('grpcWeb CORS preflight headers: echoed origin, method and canonical header names; refusals keep only Vary', () => {
  const allowAll = originCheck(['*']);
  const vary = ['Origin', 'Access-Control-Request-Method', 'Access-Control-Request-Headers'];
  const cases: [string, string, string, string, Record<string, string | string[]>][] = [
    ['allowed', 'https://a.test', 'post', 'x-grpc-web, content-type,x-user-agent', {
      vary, 'access-control-allow-origin': 'https://a.test', 'access-control-allow-methods': 'POST',
      'access-control-allow-headers': 'X-Grpc-Web, Content-Type, X-User-Agent', 'access-control-allow-credentials': 'true', 'access-control-max-age': '600',
    }],
    ['no Origin', '', 'POST', 'x-grpc-web', { vary }],
    ['a method rs/cors does not allow by default', 'https://a.test', 'PUT', 'x-grpc-web', { vary }],
  ];
  for (const [name, origin, method, asked, expected] of cases) assert.deepEqual(preflightHeaders(allowAll, origin, method, asked), expected, name);
  assert.deepEqual(preflightHeaders(originCheck(['https://a.test']), 'https://evil.test', 'POST', 'x-grpc-web'), { vary }, 'a refused origin');
  assert.deepEqual(parseHeaderList('x-grpc-web,,  X_CUSTOM_h, a.b'), ['X-Grpc-Web', 'X_Custom_H', 'Ab']);
});
