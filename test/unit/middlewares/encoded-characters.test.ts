import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEncodedCharacters } from '../../../proxy/middlewares/paths/encoded-characters.js';
import { validateDynamicConfig } from '../../../labels-spec/index.js';
import type { EncodedCharactersOptions } from '../../../proxy/http/encoded-characters.js';
import { runPathMiddleware } from './path-request.js';

// The middleware as a file declares it: options left out are false (refused), as Traefik v3.7's middleware.
function options(declared: Record<string, boolean>): EncodedCharactersOptions {
  const { config, issues } = validateDynamicConfig({ http: { middlewares: { m: { encodedCharacters: declared } } } });
  assert.deepEqual(issues, []);
  const m = config.http.middlewares.m;
  assert.ok(m !== undefined && 'encodedCharacters' in m);
  return m.encodedCharacters;
}

const ROWS: { name: string; declared: Record<string, boolean>; url: string; status: number | null }[] = [
  { name: 'no escape passes', declared: {}, url: '/a/b', status: null },
  { name: '%2F refused by default', declared: {}, url: '/a%2Fb', status: 400 },
  { name: '%2f (lower case) refused too', declared: {}, url: '/a%2fb', status: 400 },
  { name: '%5C, %00, %3B, %25, %3F, %23 refused by default', declared: {}, url: '/a%5C', status: 400 },
  { name: '%00', declared: {}, url: '/a%00', status: 400 },
  { name: '%3B', declared: {}, url: '/a%3Bb', status: 400 },
  { name: '%25', declared: {}, url: '/a%25b', status: 400 },
  { name: '%3F', declared: {}, url: '/a%3Fb', status: 400 },
  { name: '%23', declared: {}, url: '/a%23b', status: 400 },
  { name: 'allowEncodedSlash lets %2F through', declared: { allowEncodedSlash: true }, url: '/a%2Fb', status: null },
  { name: 'allowEncodedSlash does not allow %5C', declared: { allowEncodedSlash: true }, url: '/a%5Cb', status: 400 },
  // Each allow option lets its own escape through (the rows above refuse it by default) and no other.
  { name: 'allowEncodedBackSlash lets %5C through', declared: { allowEncodedBackSlash: true }, url: '/a%5Cb', status: null },
  { name: 'allowEncodedNullCharacter lets %00 through', declared: { allowEncodedNullCharacter: true }, url: '/a%00b', status: null },
  { name: 'allowEncodedSemicolon lets %3B through', declared: { allowEncodedSemicolon: true }, url: '/a%3Bb', status: null },
  { name: 'allowEncodedPercent lets %25 through', declared: { allowEncodedPercent: true }, url: '/a%25b', status: null },
  { name: 'allowEncodedQuestionMark lets %3F through', declared: { allowEncodedQuestionMark: true }, url: '/a%3Fb', status: null },
  { name: 'allowEncodedHash lets %23 through', declared: { allowEncodedHash: true }, url: '/a%23b', status: null },
  { name: 'allowEncodedHash does not allow %3F', declared: { allowEncodedHash: true }, url: '/a%3Fb', status: 400 },
  { name: 'an unreserved escape is not refused', declared: {}, url: '/caf%C3%A9', status: null },
];

for (const row of ROWS) {
  test(`encodedCharacters middleware: ${row.name}`, () => {
    const out = runPathMiddleware((next) => createEncodedCharacters(options(row.declared), next), { url: row.url });
    assert.equal(out.status, row.status);
    if (row.status !== null) assert.equal(out.body, '');
  });
}

test('encodedCharacters middleware allowing everything is no middleware at all', () => {
  const all = { allowEncodedSlash: true, allowEncodedBackSlash: true, allowEncodedNullCharacter: true, allowEncodedSemicolon: true, allowEncodedPercent: true, allowEncodedQuestionMark: true, allowEncodedHash: true };
  const next = (): void => undefined;
  assert.equal(createEncodedCharacters(options(all), next), next);
});
