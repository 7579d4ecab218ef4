// Traefik's metric label value rules: method, protocol, code, tls_version.
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { test } from 'node:test';
import { codeLabel, methodLabel, protocolLabel, tlsVersionLabel } from '../../../proxy/observability/metric-labels.js';

const methods: [string, string][] = [
  ['GET', 'GET'], ['HEAD', 'HEAD'], ['POST', 'POST'], ['PUT', 'PUT'], ['DELETE', 'DELETE'], ['CONNECT', 'CONNECT'],
  ['OPTIONS', 'OPTIONS'], ['TRACE', 'TRACE'], ['PATCH', 'PATCH'], ['PRI', 'PRI'],
  ['PURGE', 'EXTENSION_METHOD'], ['PROPFIND', 'EXTENSION_METHOD'], ['get', 'EXTENSION_METHOD'],
  ['G\uFFFDT', 'NON_UTF8_HTTP_METHOD'], ['G\uD800T', 'NON_UTF8_HTTP_METHOD'],
];
for (const [method, want] of methods) {
  test(`method ${JSON.stringify(method)} → ${want}`, () => assert.equal(methodLabel(method), want));
}

const protocols: [string, IncomingHttpHeaders, string][] = [
  ['plain request', {}, 'http'],
  ['websocket upgrade', { connection: 'Upgrade', upgrade: 'websocket' }, 'websocket'],
  ['websocket, keep-alive listed too', { connection: 'keep-alive, Upgrade', upgrade: 'WebSocket' }, 'websocket'],
  ['Upgrade without Connection: upgrade', { upgrade: 'websocket' }, 'http'],
  ['upgrade to something else', { connection: 'upgrade', upgrade: 'h2c' }, 'http'],
  ['server-sent events', { accept: 'text/event-stream' }, 'sse'],
  ['websocket wins over sse', { connection: 'upgrade', upgrade: 'websocket', accept: 'text/event-stream' }, 'websocket'],
  ['grpc-web', { 'content-type': 'application/grpc-web+proto' }, 'grpc-web'],
  ['grpc', { 'content-type': 'application/grpc' }, 'grpc'],
  ['grpc+proto', { 'content-type': 'application/grpc+proto' }, 'grpc'],
  ['sse wins over grpc', { accept: 'text/event-stream', 'content-type': 'application/grpc' }, 'sse'],
  ['json', { 'content-type': 'application/json' }, 'http'],
];
for (const [desc, headers, want] of protocols) {
  test(`protocol: ${desc} → ${want}`, () => assert.equal(protocolLabel(headers), want));
}

const codes: [string, number, string | undefined, string][] = [
  ['http', 200, undefined, '200'],
  ['http', 404, '5', '404'],
  ['websocket', 101, undefined, '101'],
  ['sse', 502, undefined, '502'],
  ['grpc', 200, '0', '0'],
  ['grpc', 200, '14', '14'],
  ['grpc', 200, undefined, '2'],
  ['grpc-web', 200, '7', '7'],
  ['grpc-web', 200, 'bogus', '2'],
  // grpc-go's Code.UnmarshalJSON, as Traefik reads the header: 0-16, leading zeros, quoted names; nothing else.
  ['grpc', 200, '16', '16'],
  ['grpc', 200, '17', '2'],
  ['grpc', 200, '99999', '2'],
  ['grpc', 200, '1e1', '2'],
  ['grpc', 200, ' 5', '2'],
  ['grpc', 200, '007', '7'],
  ['grpc', 200, '00', '0'],
  ['grpc', 200, '"NOT_FOUND"', '5'],
  ['grpc', 200, 'NOT_FOUND', '2'],
];
for (const [protocol, status, grpc, want] of codes) {
  test(`code: ${protocol} status ${status} grpc-status ${String(grpc)} → ${want}`, () => assert.equal(codeLabel(protocol, status, grpc), want));
}

const versions: [string | null, string][] = [['TLSv1', '1.0'], ['TLSv1.1', '1.1'], ['TLSv1.2', '1.2'], ['TLSv1.3', '1.3'], [null, 'unknown'], ['SSLv3', 'unknown']];
for (const [protocol, want] of versions) {
  test(`tls_version ${String(protocol)} → ${want}`, () => assert.equal(tlsVersionLabel(protocol), want));
}
