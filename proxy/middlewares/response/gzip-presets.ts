import { gzipPreset, type GzipPreset } from './fast-gzip.js';
import { lastAnswer } from './last-answer.js';
import { parseMediaType } from './media-type.js';

/**
 * Gzip presets (fast-gzip.ts): deflate codes fixed ahead for a kind of page, so compress's one-off gzip of such a
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

/** The preset for an answer's Content-Type, or null: HTML (text/html, application/xhtml+xml) has one. */
export const gzipPresetFor = lastAnswer((contentType: string): GzipPreset | null => {
  const type = parseMediaType(contentType)?.type;
  return type === 'text/html' || type === 'application/xhtml+xml' ? HTML : null;
});
