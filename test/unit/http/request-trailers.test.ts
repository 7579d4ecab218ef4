import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { announcesFramingTrailer, upstreamTrailerAnnouncement } from '../../../proxy/http/request-trailers.js';

// What a request's `Trailer` header becomes upstream, as Go's server reads it and its transports write it.
const CHUNKED = { 'transfer-encoding': 'chunked' };
const cases: readonly [string, IncomingHttpHeaders, number, string | null][] = [
  ['canonical, sorted, joined with ","', { ...CHUNKED, trailer: 'x-sig, X-CHECKSUM' }, 1, 'X-Checksum,X-Sig'],
  ['once each, empties skipped', { ...CHUNKED, trailer: 'x-a,,X-A , ' }, 1, 'X-A'],
  ['no announcement without a chunked body on HTTP/1.1', { trailer: 'x-a', 'content-length': '3' }, 1, null],
  ['HTTP/2 announces without any framing', { trailer: 'x-a' }, 2, 'X-A'],
  ['HTTP/2 leaves framing names out', { trailer: 'content-length, x-b, Trailer, transfer-encoding' }, 2, 'X-B'],
  ['nothing when only framing names are announced', { trailer: 'content-length' }, 2, null],
  ['names that are no token left out', { ...CHUNKED, trailer: 'x a, x-ok' }, 1, 'X-Ok'],
  ['no Trailer header, no announcement', { ...CHUNKED }, 1, null],
];
for (const [what, headers, major, expected] of cases) {
  test(`upstreamTrailerAnnouncement: ${what}`, () => assert.equal(upstreamTrailerAnnouncement(headers, major), expected));
}

test('announcesFramingTrailer: a chunked request announcing Content-Length, Transfer-Encoding or Trailer (any case), nothing else', () => {
  for (const name of ['content-length', 'Transfer-Encoding', 'TRAILER', 'x-a, content-length']) assert.equal(announcesFramingTrailer({ ...CHUNKED, trailer: name }), true, name);
  assert.equal(announcesFramingTrailer({ ...CHUNKED, trailer: 'x-a' }), false);
  assert.equal(announcesFramingTrailer({ trailer: 'content-length' }), false, 'not chunked: Go keeps Trailer as a header');
});
