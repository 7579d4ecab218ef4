import { test } from 'node:test';
import assert from 'node:assert/strict';
import { acceptsEncoding, IDENTITY, refusesIdentity, NOT_ACCEPTABLE, negotiateEncoding, type Negotiation } from '../../../proxy/middlewares/response/accept-encoding.js';
import { mediaTypeMatches, parseMediaType } from '../../../proxy/middlewares/response/media-type.js';
import { createCompress, negotiation, type CompressOptions } from '../../../proxy/middlewares/response/compress.js';
import { validateDynamicConfig } from '../../../labels-spec/dynamic/validate.js';

// Server orders without zstd, as the middleware negotiates on node 20 (no zstd there; `negotiation` below).
const DEFAULTS: Negotiation = { supported: ['br', 'gzip'], whenAbsent: IDENTITY, forWildcard: 'br' };
const GZIP_DEFAULT: Negotiation = { supported: ['br', 'gzip'], whenAbsent: 'gzip', forWildcard: 'gzip' };
const GZIP_FIRST: Negotiation = { supported: ['gzip', 'br'], whenAbsent: IDENTITY, forWildcard: 'br' };

const cases: { header: string | undefined; n?: Negotiation; expect: string }[] = [
  { header: undefined, expect: IDENTITY },
  { header: undefined, n: GZIP_DEFAULT, expect: 'gzip' },
  { header: '', expect: IDENTITY },
  { header: 'gzip, br, zstd', expect: 'br' },
  { header: 'gzip, br, zstd', n: GZIP_FIRST, expect: 'gzip' },
  { header: 'gzip', expect: 'gzip' },
  { header: 'zstd', expect: IDENTITY },
  { header: 'deflate', expect: IDENTITY },
  { header: 'GZIP', expect: IDENTITY },
  { header: '*', expect: 'br' },
  { header: '*', n: GZIP_DEFAULT, expect: 'gzip' },
  { header: 'gzip;q=1, br;q=0.5', expect: 'gzip' },
  { header: 'gzip;q=0.5, br;q=1.0', expect: 'br' },
  { header: 'gzip;q=0.2, br', expect: 'br' },
  { header: 'br;q=0.2, gzip', expect: 'gzip' },
  { header: 'zstd;q=1.0, gzip;q=0.5', expect: 'gzip' },
  { header: 'identity;q=0', expect: NOT_ACCEPTABLE },
  { header: '*;q=0', expect: NOT_ACCEPTABLE },
  { header: '*;q=0.8, gzip;q=0.1', expect: 'br' },
  { header: 'gzip;q=x', expect: 'gzip' },
  // q as Go's strconv.ParseFloat reads it (not as JavaScript's Number): what Go refuses weighs 0, NaN sorts last.
  { header: 'gzip;q=inf, br;q=0.5', expect: 'gzip' },
  { header: 'gzip;q=1e400, br;q=1', expect: 'gzip' },
  { header: 'gzip;q=0x1, br;q=0.5', expect: 'br' },
  { header: 'gzip;q=0x1p0, br;q=0.5', expect: 'gzip' },
  { header: 'gzip;q=nan, br;q=0', expect: 'br' },
  { header: 'gzip;q=\t1, br;q=0.5', expect: 'br' },
  { header: 'deflate;q=1', expect: IDENTITY },
  { header: 'identity', expect: IDENTITY },
];

for (const c of cases) {
  test(`Accept-Encoding ${JSON.stringify(c.header)} ⇒ ${c.expect}`, () => {
    assert.equal(negotiateEncoding(c.header, c.n ?? DEFAULTS), c.expect);
  });
}

// The middleware's own orders from Traefik's defaults (zstd, br, gzip), on a node with zstd (22.15+, the image's 24)
// and on one without (node 20): Traefik answers zstd wherever the client accepts it unweighted.
const TRAEFIK_DEFAULTS: CompressOptions = { excludedContentTypes: [], includedContentTypes: [], minResponseBodyBytes: 1024, encodings: ['zstd', 'br', 'gzip'], defaultEncoding: '' };
const withZstd = (options: CompressOptions): Negotiation => negotiation(options, () => true);
const withoutZstd = (options: CompressOptions): Negotiation => negotiation(options, (e) => e !== 'zstd');
const nodeCases: { header: string | undefined; options?: Partial<CompressOptions>; zstd: string; noZstd: string }[] = [
  { header: 'gzip, br, zstd', zstd: 'zstd', noZstd: 'br' },
  { header: 'gzip, deflate, br, zstd', zstd: 'zstd', noZstd: 'br' },
  { header: 'zstd', zstd: 'zstd', noZstd: IDENTITY },
  { header: 'zstd;q=1.0, gzip;q=0.5', zstd: 'zstd', noZstd: 'gzip' },
  { header: 'zstd;q=0.5, br;q=1.0', zstd: 'br', noZstd: 'br' },
  { header: '*', zstd: 'br', noZstd: 'br' },
  { header: 'gzip, br, zstd', options: { encodings: ['gzip', 'zstd'] }, zstd: 'gzip', noZstd: 'gzip' },
  { header: 'br, zstd', options: { encodings: ['br', 'zstd'] }, zstd: 'br', noZstd: 'br' },
  { header: undefined, options: { defaultEncoding: 'zstd' }, zstd: 'zstd', noZstd: 'br' },
  { header: '*', options: { defaultEncoding: 'zstd' }, zstd: 'zstd', noZstd: 'br' },
  { header: undefined, options: { encodings: ['zstd'], defaultEncoding: 'zstd' }, zstd: 'zstd', noZstd: IDENTITY },
];

for (const c of nodeCases) {
  test(`compress ${JSON.stringify(c.options ?? {})}, Accept-Encoding ${JSON.stringify(c.header)} ⇒ ${c.zstd} with zstd, ${c.noZstd} without`, () => {
    const options = { ...TRAEFIK_DEFAULTS, ...c.options };
    assert.equal(negotiateEncoding(c.header, withZstd(options)), c.zstd);
    assert.equal(negotiateEncoding(c.header, withoutZstd(options)), c.noZstd);
  });
}

const types: { configured: string; actual: string; match: boolean }[] = [
  { configured: 'text/plain', actual: 'text/plain; charset=utf-8', match: true },
  { configured: 'text/plain', actual: 'TEXT/Plain', match: true },
  { configured: 'text/plain; charset=utf-8', actual: 'text/plain; Charset="utf-8"', match: true },
  { configured: 'text/plain; charset=utf-8', actual: 'text/plain', match: false },
  { configured: 'text/plain; charset=utf-8', actual: 'text/plain; charset=latin1', match: false },
  { configured: 'text/html', actual: 'text/plain', match: false },
];

for (const c of types) {
  test(`content type ${c.configured} ${c.match ? 'matches' : 'does not match'} ${c.actual}`, () => {
    const configured = parseMediaType(c.configured);
    const actual = parseMediaType(c.actual);
    assert.ok(configured !== null && actual !== null);
    assert.equal(mediaTypeMatches(configured, actual), c.match);
  });
}

test('a malformed media type is null, as mime.ParseMediaType fails', () => {
  assert.equal(parseMediaType('text'), null);
  assert.equal(parseMediaType('text/plain; charset'), null);
});

test('an invalid excluded content type disables the router with the option named', () => {
  const options = (validateDynamicConfig({ http: { middlewares: { m: { compress: { excludedContentTypes: ['not a type'] } } } } }).config.http.middlewares.m as { compress?: unknown } | undefined)?.compress as CompressOptions;
  assert.throws(() => createCompress(options, () => undefined), /compress\.excludedContentTypes: "not a type"/);
});

test('acceptsEncoding (a streamed answer\'s second choice past compress\'s budget): named above q=0, or a wildcard above 0 when not named; never without a header', () => {
  assert.equal(acceptsEncoding('br, gzip', 'gzip'), true);
  assert.equal(acceptsEncoding('gzip;q=0.1, br', 'gzip'), true);
  assert.equal(acceptsEncoding('br, gzip;q=0', 'gzip'), false);
  assert.equal(acceptsEncoding('br', 'gzip'), false);
  assert.equal(acceptsEncoding('br, *', 'gzip'), true);
  assert.equal(acceptsEncoding('br, *;q=0', 'gzip'), false);
  assert.equal(acceptsEncoding('gzip;q=0, *', 'gzip'), false);
  assert.equal(acceptsEncoding(undefined, 'gzip'), false);
  assert.equal(acceptsEncoding('', 'gzip'), false);
});

test('refusesIdentity: identity;q=0, or *;q=0 without identity named', () => {
  assert.equal(refusesIdentity('br, identity;q=0'), true);
  assert.equal(refusesIdentity('br, *;q=0'), true);
  assert.equal(refusesIdentity('br, identity, *;q=0'), false);
  assert.equal(refusesIdentity('br, gzip'), false);
  assert.equal(refusesIdentity(undefined), false);
  assert.equal(refusesIdentity(''), false);
});
