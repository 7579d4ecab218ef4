import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closest, middlewareTypes } from '../../../labels-spec/index.js';

const cases: { desc: string; input: string; candidates: readonly string[]; expect: string | undefined }[] = [
  { desc: 'one letter doubled', input: 'rulle', candidates: ['rule', 'service', 'priority'], expect: 'rule' },
  { desc: 'case only', input: 'ENTRYPOINTS', candidates: ['entryPoints', 'rule'], expect: 'entryPoints' },
  { desc: 'missing plural', input: 'entrypoint', candidates: ['entryPoints', 'middlewares'], expect: 'entryPoints' },
  { desc: 'middleware type typo', input: 'ratelimt', candidates: middlewareTypes, expect: 'rateLimit' },
  { desc: 'transposition', input: 'sevrice', candidates: ['service', 'rule'], expect: 'service' },
  { desc: 'unique prefix', input: 'defaultCert', candidates: ['defaultCertificate', 'defaultGeneratedCert'], expect: 'defaultCertificate' },
  { desc: 'ambiguous prefix falls back to distance', input: 'stri', candidates: ['stripPrefix', 'stripPrefixRegex'], expect: undefined },
  { desc: 'nothing close', input: 'banana', candidates: ['rule', 'service'], expect: undefined },
  { desc: 'no candidates', input: 'rule', candidates: [], expect: undefined },
];

for (const { desc, input, candidates, expect } of cases) {
  test(`closest: ${desc}`, () => {
    assert.equal(closest(input, candidates), expect);
  });
}
