import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import zlib from 'node:zlib';
import { GzipTemplates } from '../../../proxy/middlewares/response/gzip-templates.js';

const PAGE = readFileSync(new URL('../../../../test/bench/backends/page.html', import.meta.url));

/** A deterministic generator: the same pages every run, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
}

const TOKEN_CHARACTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=';

function withToken(page: Buffer, at: number, length: number, next: () => number): Buffer {
  const copy = Buffer.from(page);
  for (let i = 0; i < length; i++) copy[at + i] = TOKEN_CHARACTERS.charCodeAt(Math.floor(next() * TOKEN_CHARACTERS.length));
  return copy;
}

/** A page of HTML-like text of `length` bytes, repetitive as pages are. */
function htmlPage(length: number, next: () => number): Buffer {
  const words = ['<div class="item">', '<a href="/p/', '">', '</a>', '</div>\n', 'journal', 'entry ', 'session ', 'care ', '<span>', '</span>'];
  let text = '';
  while (text.length < length) text += words[Math.floor(next() * words.length)] + String(Math.floor(next() * 100));
  return Buffer.from(text.slice(0, length), 'latin1');
}

function gzipped(templates: GzipTemplates, key: string, body: Buffer): Buffer | null {
  return templates.gzip(key, body, zlib.crc32(body));
}

test('pages that differ in a token each decompress to themselves, from the second on through the template', () => {
  const next = random(7);
  const cases: { page: Buffer; at: number; length: number }[] = [{ page: PAGE, at: PAGE.indexOf('Pixelated Empathy helps'), length: 32 }];
  for (let c = 0; c < 40; c++) {
    const page = htmlPage(200 + Math.floor(next() * 16000), next);
    const length = 1 + Math.floor(next() * 48);
    cases.push({ page, at: Math.floor(next() * (page.length - length)), length });
  }
  for (const [index, { page, at, length }] of cases.entries()) {
    const templates = new GzipTemplates(1 << 22);
    let fromTemplate = 0;
    for (let i = 0; i < 30; i++) {
      const body = withToken(page, at, length, next);
      const out = gzipped(templates, 'k', body);
      if (out === null) continue;
      fromTemplate++;
      assert.deepEqual(zlib.gunzipSync(out), body, `case ${index}, page ${i}`);
    }
    // The first page is the candidate; a token's worth of difference makes a template from the second on (a
    // small page whose token takes more than a quarter of it gets none).
    if (length * 4 <= page.length - 64) assert.ok(fromTemplate >= 28, `case ${index}: ${fromTemplate} of 30 from the template`);
  }
});

test('what a page gets from a template holds nothing of the pages the template was made from', () => {
  const at = PAGE.indexOf('Pixelated Empathy helps');
  const page = (token: string): Buffer => {
    const copy = Buffer.from(PAGE);
    copy.write(token, at, 'latin1');
    return copy;
  };
  // Two edges, each making its template from other requests' tokens (same places, other characters).
  const one = new GzipTemplates(1 << 20);
  const two = new GzipTemplates(1 << 20);
  assert.equal(gzipped(one, 'k', page('AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')), null);
  assert.equal(gzipped(two, 'k', page('zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz')), null);
  assert.notEqual(gzipped(one, 'k', page('BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB')), null);
  assert.notEqual(gzipped(two, 'k', page('0123456789012345678901234567890y')), null);
  const mine = page('c0ffee00c0ffee00c0ffee00c0ffee00');
  assert.deepEqual(gzipped(one, 'k', mine), gzipped(two, 'k', mine));
});

test('a page that does not fit the template is left to the caller, and becomes the next candidate', () => {
  const at = PAGE.indexOf('Pixelated Empathy helps');
  const page = (token: string, edit?: (copy: Buffer) => void): Buffer => {
    const copy = Buffer.from(PAGE);
    copy.write(token, at, 'latin1');
    edit?.(copy);
    return copy;
  };
  const templates = new GzipTemplates(1 << 20);
  assert.equal(gzipped(templates, 'k', page('token-0001')), null);
  assert.notEqual(gzipped(templates, 'k', page('token-0002')), null);
  // Other keys (another partition, another length) have templates of their own.
  assert.equal(gzipped(templates, 'other', page('token-0003')), null);
  // Different outside the hole, a byte the template has no code for in it, another length: not from the template.
  assert.equal(gzipped(templates, 'k', page('token-0004', (copy) => copy.write('X', 10, 'latin1'))), null);
  assert.equal(gzipped(templates, 'k', page('token-\u00e9\u00e9\u00e9'.slice(0, 10))), null);
  assert.equal(gzipped(templates, 'k', Buffer.concat([page('token-0005'), Buffer.from(' ')])), null);
  // The template still serves pages that fit it.
  const fits = page('token-0006');
  assert.deepEqual(zlib.gunzipSync(gzipped(templates, 'k', fits) as Buffer), fits);
});

test('templates and candidates stay within their budget, the oldest dropped first', () => {
  const templates = new GzipTemplates(64 * 1024);
  const next = random(3);
  const at = PAGE.indexOf('Pixelated Empathy helps');
  for (let key = 0; key < 200; key++) {
    // Four pages a key: its template serves enough of them to pay for the next key's.
    for (let i = 0; i < 4; i++) gzipped(templates, `k${key}`, withToken(PAGE, at, 32, next));
    assert.ok(templates.usedBytes <= 64 * 1024, `${templates.usedBytes} bytes`);
  }
  assert.ok(templates.size > 0 && templates.size < 20, `${templates.size} keys kept`);
  // The newest key kept its template.
  const body = withToken(PAGE, at, 32, next);
  assert.deepEqual(zlib.gunzipSync(gzipped(templates, 'k199', body) as Buffer), body);
});

test('pages whose differences move from page to page make a template now and then, not one per page', () => {
  const templates = new GzipTemplates(1 << 20);
  const next = random(11);
  for (let i = 0; i < 200; i++) {
    // A token at a new place each time: no template fits the next page.
    const body = withToken(PAGE, Math.floor(next() * (PAGE.length - 32)), 32, next);
    const out = gzipped(templates, 'k', body);
    if (out !== null) assert.deepEqual(zlib.gunzipSync(out), body);
  }
  // Each template making costs about two compressions: after each short-lived one, the next waits twice as long.
  assert.ok(templates.made <= 12, `${templates.made} templates made for 200 pages`);
  assert.ok(templates.made >= 4, `${templates.made} templates made`);
});

test('a page whose token holds a byte outside printable ASCII keeps neither itself nor the next pages from a template', () => {
  const at = PAGE.indexOf('Pixelated Empathy helps');
  const page = (token: string): Buffer => {
    const copy = Buffer.from(PAGE);
    copy.write(token, at, 'latin1');
    return copy;
  };
  // The template is made from such a page and the next: its hole is zeroed, so it does not matter which of the
  // two holds the byte; checking it with that page's own bytes failed, every page after it then tried (and failed)
  // again, a compression spent each time on top of the one-pass encoder's.
  const templates = new GzipTemplates(1 << 20);
  assert.equal(gzipped(templates, 'k', page('token-\u00e9\u00e90001')), null);
  for (let i = 2; i < 6; i++) {
    const body = page(`token-000${i}abcd`);
    const out = gzipped(templates, 'k', body);
    assert.notEqual(out, null, `page ${i}: from the template`);
    assert.deepEqual(zlib.gunzipSync(out as Buffer), body);
  }
  assert.equal(templates.made, 1);
});

test('pages whose tokens all hold a byte the template has no code for make one template, not one per page', () => {
  const templates = new GzipTemplates(1 << 20);
  const at = PAGE.indexOf('Pixelated Empathy helps');
  for (let i = 0; i < 200; i++) {
    const body = Buffer.from(PAGE);
    body.write(`\u00ff${String(i).padStart(15, '0')}`, at, 'latin1');
    assert.equal(gzipped(templates, 'k', body), null, `page ${i}: no code for its byte, the caller's encoder`);
  }
  // Each making costs about two compressions, for a template no page of these can use.
  assert.ok(templates.made <= 1, `${templates.made} templates made for 200 pages`);
});

test('keys that each see two pages (a client changing its cookie every two requests) make templates only as far as templates serve pages', () => {
  const templates = new GzipTemplates(1 << 22);
  const next = random(13);
  const at = PAGE.indexOf('Pixelated Empathy helps');
  // Each key's second page made a template (about two compressions and a gunzip) that no page used again: near
  // twice the one-pass encoder's CPU per page, for as long as the client likes.
  for (let key = 0; key < 200; key++) {
    for (let i = 0; i < 2; i++) {
      const body = withToken(PAGE, at, 32, next);
      const out = gzipped(templates, `pair${key}`, body);
      if (out !== null) assert.deepEqual(zlib.gunzipSync(out), body);
    }
  }
  const spent = templates.made;
  // A start's worth (21 templates), then one per a dozen keys or so.
  assert.ok(spent <= 60, `${spent} templates made for 200 keys of two pages`);
  // A template that serves pages earns the next ones.
  const hot = 'hot';
  for (let i = 0; i < 300; i++) {
    const body = withToken(PAGE, at, 32, next);
    const out = gzipped(templates, hot, body);
    if (i >= 30) assert.notEqual(out, null, `page ${i} of a key whose pages differ in their token: from its template`);
  }
  let more = 0;
  for (let key = 0; key < 200; key++) {
    const made = templates.made;
    for (let i = 0; i < 2; i++) gzipped(templates, `later${key}`, withToken(PAGE, at, 32, next));
    more += templates.made - made;
  }
  assert.ok(more >= 21 && more <= 60, `${more} more templates after 300 pages served from one`);
});

test('keys that each see two pages of different lengths make fewer templates than keys of one length: such a template costs more than twice as much to make', () => {
  const templates = new GzipTemplates(1 << 22);
  const next = random(17);
  const at = PAGE.indexOf('Pixelated Empathy helps');
  // Each resizable template is checked at three lengths of its hole (three decompressions), about eight one-pass
  // compressions in all: at a fixed template's price, such keys cost three times what the credit allows.
  for (let key = 0; key < 200; key++) {
    for (const length of [20, 30]) {
      const body = spliced(PAGE, at, 23, withToken(Buffer.alloc(length), 0, length, next).toString('latin1'));
      const out = gzipped(templates, `pair${key}`, body);
      if (out !== null) assert.deepEqual(zlib.gunzipSync(out), body);
    }
  }
  assert.ok(templates.made <= 24, `${templates.made} templates made for 200 keys of two pages`);
});

/** `page` with a fresh token of each place's length at each place. */
function withTokens(page: Buffer, places: readonly { at: number; length: number }[], next: () => number): Buffer {
  let copy = page;
  for (const { at, length } of places) copy = withToken(copy, at, length, next);
  return copy;
}

test('pages that differ in several places far apart (a nonce in each script tag, a token in a form) each decompress to themselves, from the second on through one template', () => {
  const next = random(17);
  const scripts = Array.from({ length: 6 }, (_, i) => `<script nonce="NONCE-PLACE-${i}-xxxxxxxxxx">load(${i})</script>\n`);
  const page = Buffer.from(PAGE.toString('latin1').replace('</head>', scripts.slice(0, 3).join('') + '</head>').replace('</body>', scripts.slice(3).join('') + '</body>'), 'latin1');
  const places = scripts.map((_, i) => ({ at: page.indexOf(`NONCE-PLACE-${i}`), length: 24 }));
  assert.ok(places.every(({ at }) => at > 0) && places[5]!.at - places[0]!.at > page.length / 4, 'six places spread over more than a quarter of the page');
  const templates = new GzipTemplates(1 << 22);
  for (let i = 0; i < 30; i++) {
    // One nonce per page, in every script tag.
    const nonce = withToken(Buffer.alloc(24), 0, 24, next);
    const body = Buffer.from(page);
    for (const { at } of places) nonce.copy(body, at);
    const out = gzipped(templates, 'k', body);
    if (i === 0) assert.equal(out, null, 'the first page: the caller compresses it');
    else {
      assert.notEqual(out, null, `page ${i}: from the template`);
      assert.deepEqual(zlib.gunzipSync(out as Buffer), body, `page ${i}`);
    }
  }
  assert.equal(templates.made, 1);
});

test('pages with random places of difference (at the start, at the end, adjoining, many) decompress to themselves', () => {
  const next = random(19);
  for (let c = 0; c < 60; c++) {
    const page = c % 3 === 0 ? PAGE : htmlPage(300 + Math.floor(next() * 16000), next);
    const count = 1 + Math.floor(next() * 20);
    const places = Array.from({ length: count }, () => {
      const length = 1 + Math.floor(next() * 40);
      const at = next() < 0.1 ? 0 : next() < 0.1 ? page.length - length : Math.floor(next() * (page.length - length));
      return { at, length };
    });
    const templates = new GzipTemplates(1 << 22);
    let fromTemplate = 0;
    for (let i = 0; i < 12; i++) {
      const body = withTokens(page, places, next);
      const out = gzipped(templates, 'k', body);
      if (out === null) continue;
      fromTemplate++;
      assert.deepEqual(zlib.gunzipSync(out), body, `case ${c}, page ${i}`);
    }
    // Few places, small in all: a template from the second page on (a byte may match by chance; never more than two misses).
    const spread = places.reduce((sum, { length }) => sum + length + 64, 0);
    if (count <= 8 && spread * 4 <= page.length) assert.ok(fromTemplate >= 9, `case ${c}: ${fromTemplate} of 12 from the template`);
  }
});

test('pages that differ in more places than a template holds, or in more than a quarter of the page, are left to the caller', () => {
  const next = random(23);
  // 40 places a hundred bytes apart: more than MAX_HOLES.
  const many = Array.from({ length: 40 }, (_, i) => ({ at: 20 + i * 100, length: 8 }));
  const templates = new GzipTemplates(1 << 22);
  for (let i = 0; i < 10; i++) assert.equal(gzipped(templates, 'many', withTokens(PAGE, many, next)), null);
  // Two places whose tokens together are more than a quarter of the page.
  const large = [{ at: 0, length: 600 }, { at: PAGE.length - 600, length: 600 }];
  for (let i = 0; i < 10; i++) assert.equal(gzipped(templates, 'large', withTokens(PAGE, large, next)), null);
  assert.equal(templates.made, 0);
});

test('what a page gets from a template of several holes holds nothing of the pages the template was made from', () => {
  const places = [{ at: 100, length: 20 }, { at: 1500, length: 20 }, { at: 3000, length: 20 }];
  const page = (fill: string): Buffer => {
    const copy = Buffer.from(PAGE);
    for (const { at, length } of places) copy.write(fill.repeat(length), at, 'latin1');
    return copy;
  };
  const one = new GzipTemplates(1 << 20);
  const two = new GzipTemplates(1 << 20);
  assert.equal(gzipped(one, 'k', page('A')), null);
  assert.equal(gzipped(two, 'k', page('z')), null);
  assert.notEqual(gzipped(one, 'k', page('B')), null);
  assert.notEqual(gzipped(two, 'k', page('7')), null);
  const mine = page('q');
  assert.deepEqual(gzipped(one, 'k', mine), gzipped(two, 'k', mine));
});

/** `page` with `token` in place of its bytes [at, at + replaced). */
function spliced(page: Buffer, at: number, replaced: number, token: string): Buffer {
  return Buffer.concat([page.subarray(0, at), Buffer.from(token, 'latin1'), page.subarray(at + replaced)]);
}

test('pages whose one differing place changes length (a user name, a timing, a counter) decompress to themselves, from the second on through one template', () => {
  const next = random(29);
  const cases: { page: Buffer; at: number; replaced: number }[] = [{ page: PAGE, at: PAGE.indexOf('Pixelated Empathy helps'), replaced: 23 }];
  for (let c = 0; c < 40; c++) {
    const page = htmlPage(300 + Math.floor(next() * 16000), next);
    const replaced = Math.floor(next() * 40);
    const where = next();
    cases.push({ page, at: where < 0.1 ? 0 : where < 0.2 ? page.length - replaced : Math.floor(next() * (page.length - replaced)), replaced });
  }
  for (const [index, { page, at, replaced }] of cases.entries()) {
    const templates = new GzipTemplates(1 << 22);
    let fromTemplate = 0;
    for (let i = 0; i < 30; i++) {
      // 1 to 60 characters, never two pages of one length in a row.
      const length = 1 + ((i * 17 + index) % 60);
      const body = spliced(page, at, replaced, withToken(Buffer.alloc(length), 0, length, next).toString('latin1'));
      const out = gzipped(templates, 'k', body);
      if (out === null) continue;
      fromTemplate++;
      assert.deepEqual(zlib.gunzipSync(out), body, `case ${index}, page ${i} (a hole of ${length})`);
    }
    if (120 * 4 <= page.length) assert.ok(fromTemplate >= 28, `case ${index}: ${fromTemplate} of 30 from the template`);
  }
});

test('what a page gets from a template of pages of different lengths holds nothing of their tokens, nor of their lengths', () => {
  const at = PAGE.indexOf('Pixelated Empathy helps');
  const mine = spliced(PAGE, at, 23, 'Barbara Liskov');
  const sent = new Set<string>();
  // Templates each made from two other requests' names, of lengths from 1 to 300 (each pair 7 apart, the hole's
  // start and end the same in all): the page's own gzip is the same from each.
  for (let length = 1; length <= 300; length += 3) {
    const templates = new GzipTemplates(1 << 20);
    assert.equal(gzipped(templates, 'k', spliced(PAGE, at, 23, 'X'.repeat(length))), null);
    assert.notEqual(gzipped(templates, 'k', spliced(PAGE, at, 23, 'Y'.repeat(length + 7))), null, `names of ${length} and ${length + 7}`);
    sent.add((gzipped(templates, 'k', mine) as Buffer).toString('base64'));
  }
  assert.equal(sent.size, 1, `${sent.size} different gzip bodies for one page`);
});

test('a page whose hole grows past a quarter of it, or that differs outside the hole, is left to the caller', () => {
  const at = PAGE.indexOf('Pixelated Empathy helps');
  const templates = new GzipTemplates(1 << 20);
  assert.equal(gzipped(templates, 'k', spliced(PAGE, at, 23, 'Ada')), null);
  assert.notEqual(gzipped(templates, 'k', spliced(PAGE, at, 23, 'Grace Hopper')), null, 'a name of another length: from the template');
  assert.equal(gzipped(templates, 'k', spliced(PAGE, at, 23, 'x'.repeat(2000))), null, 'a hole of half the page');
  const edited = spliced(PAGE, at, 23, 'Alan');
  edited.write('X', 10, 'latin1');
  assert.equal(gzipped(templates, 'k', edited), null, 'different before the hole');
  const body = spliced(PAGE, at, 23, 'Barbara Liskov');
  assert.deepEqual(zlib.gunzipSync(gzipped(templates, 'k', body) as Buffer), body);
});

test('a key whose pages are sent from its template stays while keys seen once come and go', () => {
  const templates = new GzipTemplates(256 * 1024);
  const next = random(31);
  const at = PAGE.indexOf('Pixelated Empathy helps');
  for (let i = 0; i < 3; i++) gzipped(templates, 'hot', withToken(PAGE, at, 32, next));
  // Each one-off key keeps its page as a candidate: some 55 fill the budget; the hot key is served between them.
  for (let key = 0; key < 500; key++) {
    gzipped(templates, `once${key}`, withToken(PAGE, at, 32, next));
    if (key % 20 === 0) assert.notEqual(gzipped(templates, 'hot', withToken(PAGE, at, 32, next)), null, `after ${key} one-off keys`);
  }
  assert.equal(templates.made, 1);
});

test('a token of two lengths in turn (9 ms, 10 ms) makes one template for both, whichever length the first two pages had', () => {
  const at = PAGE.indexOf('Pixelated Empathy helps');
  for (const firstTwo of [[32, 32], [32, 33]]) {
    const templates = new GzipTemplates(1 << 22);
    const next = random(37);
    let served = 0;
    for (let i = 0; i < 1000; i++) {
      const length = i < 2 ? firstTwo[i]! : next() < 0.5 ? 32 : 33;
      const body = spliced(PAGE, at, 32, withToken(Buffer.alloc(length), 0, length, next).toString('latin1'));
      const out = gzipped(templates, 'k', body);
      if (out === null) continue;
      served++;
      assert.deepEqual(zlib.gunzipSync(out), body, `page ${i}`);
    }
    // A fixed template for one length, replaced by a resizable one at the first page of the other length.
    assert.ok(templates.made <= 2, `first two of ${firstTwo}: ${templates.made} templates made`);
    assert.ok(served >= 990, `first two of ${firstTwo}: ${served} of 1000 pages from a template`);
  }
});

test('a page of a new length that differs from the template\'s page too much (a nonce at each end, a name between) pairs with the page that waits, and its length gets a template', () => {
  const templates = new GzipTemplates(1 << 22);
  const next = random(41);
  const page = (name: string): Buffer => {
    const nonce = withToken(Buffer.alloc(24), 0, 24, next).toString('latin1');
    const text = PAGE.toString('latin1');
    return Buffer.from(`<meta nonce="${nonce}">` + text.slice(0, 2000) + `Hello ${name}!` + text.slice(2000) + `<script nonce="${nonce}"></script>`, 'latin1');
  };
  let served = 0;
  for (let i = 0; i < 220; i++) {
    const body = page(i < 20 ? 'Alice' : 'Alexandra');
    const out = gzipped(templates, 'k', body);
    if (out === null) continue;
    served++;
    assert.deepEqual(zlib.gunzipSync(out), body, `page ${i}`);
  }
  assert.ok(served >= 215, `${served} of 220 pages from a template (${templates.made} made)`);
});
