import { gzipPreset, type GzipPreset } from './fast-gzip.js';
import { lastAnswer } from './last-answer.js';
import { parseMediaType } from './media-type.js';

/**
 * Gzip presets (fast-gzip.ts): deflate codes fixed ahead for a kind of page (HTML, JSON), so compress's one-off gzip of such a
 * page takes one pass. Each is made by test/bench/gzip-preset.ts from pages of its kind that are not the benches'
 * (the code lengths printed there, one hex digit per symbol: the 286 literal/length symbols', then the 30 distance
 * codes'). A page its preset fits badly is compressed with its own codes (GzipPreset.literalBitsMax), so a preset
 * changes how many bytes a page takes, never what it decodes to.
 */

function presetOf(text: string, literalBitsMax: number): GzipPreset {
  const lengths = Uint8Array.from(text, (digit) => parseInt(digit, 16));
  return gzipPreset(lengths.subarray(0, 286), lengths.subarray(286), literalBitsMax);
}

// HTML: made from 1,354 pages: Rust 1.95's standard library documentation (1,500 pages of it, as rustup installs it;
// those of 1 to 64 KiB), npm 11's HTML documentation and Debian's /usr/share/doc (libxslt, valgrind, libffi, node's
// API, Bootstrap's examples):
//   node dist/test/bench/gzip-preset.js --per-folder 1500 <rust>/share/doc/rust/html <npm>/docs /usr/share/doc
// Its literals take 5.88 bits in the median page of those, 6.33 or fewer in 90 %, 6.89 in 99 %: a page over 6.5 gets
// its own codes. Against fastGzip's own codes (`--check`), pages up to 16 KiB not among those: 1.048 of its bytes
// for the production bench's page; 1.018 for 881 pages of Rust nightly's core docs (near kin of those it was made
// from), 1.069 for 42 of the Google Cloud SDK's (4 of them refused: their own codes), 1.032 for 7 of Python's, 1.080
// for 4 of Go 1.19's.
const HTML = presetOf(
  'fffffffffa8fffffffffffffffffffff5959dfab88fa8666767778787789676ff9b999aba9ff99aa9f989bbefbfafaf8a5666467759856556b55567887aafaffffffffffffffffffffffff' +
    'ffffffffffcfffffffffffffffffffffffffffffffffbfffffffffffffffffffffffffffffffefffffffffffffffffffffffffffffbf4555678678889999aababbffffffbba988665545444444444445566778',
  6.5,
);

// JSON: made from 524 documents as APIs answer them, minified: npm's registry (abbreviated package documents and
// version manifests of 144 of the 216 packages in this repository's node_modules; every third package held out for
// --check), the example outputs of AWS's APIs and whole example files from botocore's data, ISO 3166/639/4217/15924
// code lists (Debian's iso-codes) cut into pages of 25 records, and CloudFormation resource schemas (cfn-lint's
// data), each folder 150 at most:
//   node dist/test/bench/gzip-preset.js --ext json --per-folder 150 <npm> <aws outputs> <aws files> <iso pages> <cfn-lint>/data/schemas/resources
// Its literals take 6.01 bits in the median document of those, 6.49 or fewer in 90 %, 6.87 in 99 %: over 6.5, a
// document gets its own codes. Against fastGzip's own codes (`--check`), documents up to 16 KiB not among those:
// 1.060 of its bytes for 129 registry documents of the held-out packages (10 refused), 1.065 for those with the
// Google Cloud SDK's and Go's test2json JSON (159, 12 refused), 1.072 for the bench's API answer
// (test/bench/backends/page.json), whose one pass then takes about 0.6 of fastGzip's time (8.6-8.8 µs against 14.1-14.3).
const JSON_PRESET = presetOf(
  'ffffffffff8fffffffffffffffffffff5f4bbfbbaaba667776677777776ffadfa7888899989988888a878999a99998a9f476657675886655695556888788f7ffffffffffffffffffffffffffffffffff' +
    'fbfffffffffffffffffffffffffffffffffabfffffffffffffffffffffffffffffffffffffffffffffffffffffffffff9f56667776778789869aaabffffffbaccb88765554444434344556677789',
  6.5,
);

/**
 * The preset for an answer's Content-Type, or null: HTML (text/html, application/xhtml+xml) and JSON
 * (application/json, and any type with the +json suffix: problem+json, ld+json, vnd.api+json) have one.
 */
export const gzipPresetFor = lastAnswer((contentType: string): GzipPreset | null => {
  const type = parseMediaType(contentType)?.type;
  if (type === undefined) return null;
  if (type === 'text/html' || type === 'application/xhtml+xml') return HTML;
  return type === 'application/json' || type.endsWith('+json') ? JSON_PRESET : null;
});
