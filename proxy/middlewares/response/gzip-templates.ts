import zlib from 'node:zlib';
import { sha256Base64 } from '../../../labels-spec/sha256.js';
import { ownBytes, ownCopy } from '../../http/own-copy.js';
import { gzipFromParts, gzipTemplateParts, type ByteRange, type GzipTemplateParts } from './fast-gzip.js';

/**
 * gzip for pages that differ on every request in a few places only (a CSRF token, a request id, a nonce in each
 * script tag), the rest of the page the same: compressed once with those places as holes (`gzipTemplateParts`),
 * each later page is the template's bits before the first hole, its own bytes there as literals, the template's
 * bits up to the next hole, shifted to fit, and so on. A page costs a comparison with the template, its holes' codes
 * and a copy of about its compressed size, where the one-pass encoder parses and codes it all (about five times the
 * CPU for a 4 kB page); its output is a few bytes longer than the one-pass encoder's.
 *
 * A template is made from two pages of the same key (`templateKey`: encoding, partition, path). Of one length, they
 * may differ in at most MAX_HOLES places, at most a quarter of the page in all: each hole is such a place widened
 * to multiples of HOLE_ALIGN, so where two requests' tokens happen to begin or end alike does not show. Of two
 * lengths, they make a resizable template: one hole, from where they start to differ to where they end alike
 * (widened from each end), parsed at RESIZABLE_HOLE bytes whatever the two held, which a page's own token may make
 * longer or shorter (the distances across it are sent per page). A page that does not fit the template (different
 * outside the holes, another length for a fixed one) is compressed as before and kept as the next candidate; one
 * that fits it but holds a byte in a hole the template has no code for is compressed as before, and only that.
 * Templates and candidates share a budget per process; the oldest go first, unless used since last passed over.
 */

const HOLE_ALIGN = 32;
/** A byte of HOLE_ALPHABET (fast-gzip.ts): every template has a code for it. */
const HOLE_FILL = 0x20;
/** Holes larger in all than this part of the page make no template: the page is mostly new each time. */
const MAX_HOLE_SHARE = 4;
/** The length a resizable template's hole has in its page, whatever it had in the pages it was made from. */
const RESIZABLE_HOLE = HOLE_ALIGN;
/** Places that differ with fewer equal bytes between them than this are one hole. */
const HOLE_GAP = 32;
/** Pages that differ in more places than this make no template (each place costs a little per page). */
const MAX_HOLES = 16;
// About what a slot holds besides its pages and parts: key, objects, map entry.
const OVERHEAD_BYTES = 600;
const LITERAL_CODES_BYTES = 256 * 4;
// A hole's and its span's objects; each run of bits after it, its bytes apart (a slice of its own: an object, a
// view, an ArrayBuffer and its backing store's bookkeeping).
const PER_HOLE_BYTES = 160;
const PER_RUN_BYTES = 240;

interface Template {
  /**
   * The page the template was made from (a resizable one with its hole RESIZABLE_HOLE long): a page fits when it has
   * the same bytes outside the holes, and the same length unless resizable.
   */
  readonly page: Buffer;
  readonly holes: readonly ByteRange[];
  /** Made from two pages of different lengths: its one hole may be longer or shorter in a page that fits it. */
  readonly resizable: boolean;
  readonly parts: GzipTemplateParts;
}

/** What one key holds: its template, and the last page that did not fit it (the next template's other half). */
interface Slot {
  /** Its key in `slots`, a string of its own. */
  readonly key: string;
  template: Template | null;
  candidate: Buffer | null;
  bytes: number;
  /** Pages sent from the template since it was made. */
  servedSinceMade: number;
  /** Pages that fit no template since the last one was made. */
  missed: number;
  /** How many templates in a row were replaced before they served FEW_PAGES pages. */
  shortLived: number;
  /** Whether it sent a page from its template since the budget last passed it over (CLOCK's mark). */
  used: boolean;
}

// Making a template costs about two compressions. Pages whose differences move (a client's query echoed at varying
// places) could otherwise make one per page: after each template replaced before serving FEW_PAGES pages, the
// next waits for twice as many pages that fit none (up to 64).
const FEW_PAGES = 8;
const MAX_BACKOFF_PAGES = 64;

// Keys that each see two pages (a client changing its cookie every two requests, users who each load a page
// twice) would make a template each, used by no page after: twice the one-pass encoder's CPU per page, which
// the backoff above, per key, cannot see. So making one spends credit, counted in eighths of a one-pass
// compression: a page from a template earns about what it saved, any other page an eighth, and a template costs
// its three (about two compressions and a gunzip), a resizable one its eight. Templates then cost at most what
// they save, and an eighth of the one-pass encoder's CPU more.
const CREDIT_PER_TEMPLATED_PAGE = 8;
const CREDIT_PER_PAGE = 1;
const CREDIT_PER_TEMPLATE = 24;
// A resizable one is checked at three lengths of its hole (three pages from it and their gunzips).
const CREDIT_PER_RESIZABLE_TEMPLATE = 64;
const MAX_CREDIT = 64 * CREDIT_PER_TEMPLATED_PAGE;

export class GzipTemplates {
  private readonly slots = new Map<string, Slot>();
  private bytes = 0;
  private templatesMade = 0;
  private pagesServed = 0;
  private credit = MAX_CREDIT;

  constructor(readonly maxBytes: number) {}

  /**
   * The gzip member of `body` from the template of `key` (compress's encoding, partition and path:
   * `templateKey`), or null when there is none it fits (the caller then compresses the body itself). `crc32` is
   * the body's CRC-32 (for the trailer).
   */
  gzip(key: string, body: Buffer, crc32: number): Buffer | null {
    let slot = this.slots.get(key);
    // A page that fits the template but holds a byte in its hole the template has no code for is left to the
    // caller: a new template would have no code for it either.
    if (slot?.template != null) {
      const resize = resizeToFit(slot.template, body);
      if (resize !== null) return this.fromTemplate(slot, slot.template, body, resize, crc32);
    }
    if (slot !== undefined) slot.missed++;
    // Past its backoff and with credit for the cheaper kind of template, the pages are compared (a scan of both).
    const pair = slot !== undefined && this.mayMake(slot, CREDIT_PER_TEMPLATE) ? pairWith(slot, body) : null;
    const price = pair?.resizable === true ? CREDIT_PER_RESIZABLE_TEMPLATE : CREDIT_PER_TEMPLATE;
    if (slot !== undefined && pair !== null && this.credit >= price) {
      // Spent whether or not the template checks out: the compression is done either way.
      this.credit -= price;
      const template = templateOf(pair.other, pair.holes, pair.resizable);
      slot.shortLived = template === null || (slot.template !== null && slot.servedSinceMade < FEW_PAGES) ? slot.shortLived + 1 : 0;
      slot.missed = 0;
      if (template !== null) {
        slot.servedSinceMade = 0;
        this.templatesMade++;
        this.fill(slot, template, null);
        return this.fromTemplate(slot, template, body, body.length - template.page.length, crc32);
      }
    }
    this.earn(CREDIT_PER_PAGE);
    if (slot === undefined) {
      // The key may hold a Cookie value cut from the request's head: a string of its own keeps none of it.
      slot = { key: ownCopy(key), template: null, candidate: null, bytes: 0, servedSinceMade: 0, missed: 0, shortLived: 0, used: false };
      this.slots.set(slot.key, slot);
    }
    this.fill(slot, slot.template, ownBytes(body));
    return null;
  }

  /** Whether `slot` may make a template of `price` now: past its backoff, and with credit for it. */
  private mayMake(slot: Slot, price: number): boolean {
    return slot.missed >= Math.min(MAX_BACKOFF_PAGES, 2 ** slot.shortLived) && this.credit >= price;
  }

  /**
   * `body` (which fits `template`, its hole `resize` bytes longer) from it, counted; null when a hole holds a byte
   * the template has no code for. Marked used: the budget passes over it once before dropping it, so keys seen
   * once do not push out a key whose pages come from its template.
   */
  private fromTemplate(slot: Slot, template: Template, body: Buffer, resize: number, crc32: number): Buffer | null {
    const sent = gzipFromParts(template.parts, body, resize, crc32);
    this.earn(sent === null ? CREDIT_PER_PAGE : CREDIT_PER_TEMPLATED_PAGE);
    if (sent !== null) {
      slot.servedSinceMade++;
      this.pagesServed++;
      slot.used = true;
    }
    return sent;
  }

  private earn(credit: number): void {
    this.credit = Math.min(MAX_CREDIT, this.credit + credit);
  }

  /** Gives `slot` new contents, making room by dropping the oldest slots not used since they were last passed over. */
  private fill(slot: Slot, template: Template | null, candidate: Buffer | null): void {
    this.bytes -= slot.bytes;
    slot.template = template;
    slot.candidate = candidate;
    slot.bytes = OVERHEAD_BYTES + (candidate?.length ?? 0) + (template === null ? 0 : templateBytes(template));
    this.bytes += slot.bytes;
    for (const [key, oldest] of this.slots) {
      if (this.bytes <= this.maxBytes) break;
      this.slots.delete(key);
      // A slot that sent a page from its template since it was last here gets a second chance, at the newest end.
      if (oldest.used) {
        oldest.used = false;
        this.slots.set(key, oldest);
      } else this.bytes -= oldest.bytes;
    }
  }

  get usedBytes(): number {
    return this.bytes;
  }

  get size(): number {
    return this.slots.size;
  }

  /** How many pages were sent from a template since the process started. */
  get served(): number {
    return this.pagesServed;
  }

  /** How many templates were made since the process started. */
  get made(): number {
    return this.templatesMade;
  }
}

/** What a template holds, for the budget. */
function templateBytes(template: Template): number {
  const { page, holes, parts } = template;
  let bytes = page.length + parts.head.length + LITERAL_CODES_BYTES + PER_HOLE_BYTES * holes.length;
  for (const { runs, distances } of parts.after) {
    for (const run of runs) bytes += run.bytes.length + PER_RUN_BYTES;
    bytes += 8 * distances.length;
  }
  return bytes;
}

/**
 * Where two pages of one length differ, each place widened to multiples of HOLE_ALIGN, places closer than
 * HOLE_GAP apart as one hole: null when they are the same page (compress's cache keeps those), differ in more than
 * a quarter of it, or in more than MAX_HOLES places.
 */
function holesBetween(candidate: Buffer, body: Buffer): ByteRange[] | null {
  const n = body.length;
  const holes: ByteRange[] = [];
  let size = 0;
  let p = 0;
  for (;;) {
    while (p < n && candidate[p] === body[p]) p++;
    if (p === n) break;
    const start = p - (p % HOLE_ALIGN);
    // The hole ends at the first aligned place followed by HOLE_GAP equal bytes (or the page's end).
    let end = Math.min(n, start + HOLE_ALIGN);
    for (let q = end; q < n; q++) {
      if (candidate[q] === body[q]) {
        if (q - end >= HOLE_GAP) break;
      } else end = Math.min(n, q + HOLE_ALIGN - (q % HOLE_ALIGN));
    }
    holes.push({ start, end });
    size += end - start;
    if (holes.length > MAX_HOLES || size * MAX_HOLE_SHARE > n) return null;
    p = end;
  }
  return holes.length === 0 ? null : holes;
}

/**
 * The hole, in `candidate`, of two pages of different lengths: from where they start to differ to where they end
 * alike, widened to multiples of HOLE_ALIGN from the start and from the end; null when it is more than a quarter of
 * either page.
 */
function holeAcross(candidate: Buffer, body: Buffer): ByteRange | null {
  const shorter = Math.min(candidate.length, body.length);
  let lo = 0;
  while (lo < shorter && candidate[lo] === body[lo]) lo++;
  let alike = 0;
  while (alike < shorter - lo && candidate[candidate.length - 1 - alike] === body[body.length - 1 - alike]) alike++;
  const start = lo - (lo % HOLE_ALIGN);
  const suffix = Math.min(alike - (alike % HOLE_ALIGN), shorter - start);
  const end = candidate.length - suffix;
  return fitsShare(end - start, candidate.length) && fitsShare(body.length - suffix - start, body.length) ? { start, end } : null;
}

/** Whether a hole of `size` bytes is small enough for a page of `length`. */
function fitsShare(size: number, length: number): boolean {
  return size * MAX_HOLE_SHARE <= length;
}

/** A page to make a template of with a page that fit none, and the holes between them. */
interface Pair {
  readonly other: Buffer;
  readonly holes: readonly ByteRange[];
  readonly resizable: boolean;
}

/**
 * What `body`, which fit no template, makes a template with: a fixed template's own page when `body` is of another
 * length (a token whose length changes: a resizable template then serves both lengths, where a fixed one for the new
 * length would replace the one for the old, and the next page of the old length it again), else, or when that page
 * differs from it too much, the page that waits (the last that fit no template); null when neither will do.
 */
function pairWith(slot: Slot, body: Buffer): Pair | null {
  const { template, candidate } = slot;
  const others = template !== null && !template.resizable && template.page.length !== body.length ? [template.page, candidate] : [candidate];
  for (const other of others) {
    if (other === null) continue;
    const resizable = other.length !== body.length;
    const across = resizable ? holeAcross(other, body) : null;
    const holes = resizable ? (across === null ? null : [across]) : holesBetween(other, body);
    if (holes !== null) return { other, holes, resizable };
  }
  return null;
}

/**
 * The template of `candidate` with `candidateHoles`, checked by decompressing a page through it (a template that does
 * not give that page back is a bug, never used); null when the page cannot have one or the check fails.
 */
function templateOf(candidate: Buffer, candidateHoles: readonly ByteRange[], resizable: boolean): Template | null {
  // A resizable hole is parsed at one length, whatever the two pages' tokens were: at theirs, the distances across
  // it (and so the distance codes every page from the template carries) and the matches after it told its length.
  // A fixed template's page keeps nothing of the candidate's tokens either: its holes are filled (only the bytes
  // around them are ever compared).
  const canonical = resizable ? { start: candidateHoles[0]!.start, end: candidateHoles[0]!.start + RESIZABLE_HOLE } : null;
  const page = canonical === null ? Buffer.from(candidate) : Buffer.concat([candidate.subarray(0, canonical.start), Buffer.alloc(RESIZABLE_HOLE, HOLE_FILL), candidate.subarray(candidateHoles[0]!.end)]);
  const holes = canonical === null ? candidateHoles : [canonical];
  for (const hole of holes) page.fill(HOLE_FILL, hole.start, hole.end);
  const parts = gzipTemplateParts(page, holes, resizable);
  if (parts === null) return null;
  const template: Template = { page, holes, resizable, parts };
  // Checked with the page's holes filled with a byte every template has a code for: the parts hold nothing of the
  // holes, so any page's tokens would do, and the candidate's own may hold a byte they have no code for. A
  // resizable hole is checked longer and shorter too, where the distances across it change.
  const check = (resize: number): boolean => {
    const hole = holes[0]!;
    if (hole.end - hole.start + resize < 0) return true;
    const filled = resize === 0 ? page : Buffer.concat([page.subarray(0, hole.start), Buffer.alloc(hole.end - hole.start + resize, HOLE_FILL), page.subarray(hole.end)]);
    const own = gzipFromParts(parts, filled, resize, zlib.crc32(filled));
    if (own === null) return false;
    try {
      return zlib.gunzipSync(own).equals(filled);
    } catch {
      return false; // a stream zlib refuses: the same bug, thrown (never let out of a request)
    }
  };
  return check(0) && (!resizable || (check(HOLE_ALIGN + 1) && check(-1))) ? template : null;
}

/**
 * How much longer `body`'s hole is than the template's when `body` is the template's page but for its holes (the
 * same bytes outside them; for a resizable template, the same bytes before and after its hole, which is no more
 * than its share of the page), else null.
 */
function resizeToFit(template: Template, body: Buffer): number | null {
  const { page, holes } = template;
  const n = page.length;
  if (template.resizable) {
    const { start, end } = holes[0]!;
    const bodyEnd = body.length - (n - end);
    if (bodyEnd < start || !fitsShare(bodyEnd - start, body.length)) return null;
    const alike = body.compare(page, 0, start, 0, start) === 0 && body.compare(page, end, n, bodyEnd, body.length) === 0;
    return alike ? body.length - n : null;
  }
  if (body.length !== n) return null;
  let outside = 0;
  for (const hole of holes) {
    if (body.compare(page, outside, hole.start, outside, hole.start) !== 0) return null;
    outside = hole.end;
  }
  return body.compare(page, outside, n, outside, n) === 0 ? 0 : null;
}

// A path longer than this is keyed by its SHA-256: a client's long paths cost the budget no more than short ones.
const SHORT_PATH = 256;

/**
 * The key of a page's template: the compressed-body cache's scope (encoding, router, Host, credentials) and the
 * request's path, the page's length aside (a template may serve pages whose hole is longer or shorter).
 */
export function templateKey(scope: string, path: string): string {
  return scope + '\n' + (path.length <= SHORT_PATH ? path : '#' + sha256Base64(path));
}

// Templates of one-off gzip pages, per process: 4 MiB holds a few hundred pages' keys.
export const gzipTemplates = new GzipTemplates(4 * 1024 * 1024);
