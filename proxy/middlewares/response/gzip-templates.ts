import zlib from 'node:zlib';
import { ownBytes, ownCopy } from '../../http/own-copy.js';
import { gzipTemplateParts, type GzipTemplateParts } from './fast-gzip.js';

/**
 * gzip for pages that differ on every request in one place only (a CSRF token, a request id, a nonce), the rest
 * of the page the same: compressed once with that place as a hole (`gzipTemplateParts`), each later page is the
 * template's bits before the hole, its own bytes there as literals, and the template's bits after, shifted to fit.
 * A page costs a comparison with the template, its hole's codes and a copy of about its compressed size, where
 * the one-pass encoder parses and codes it all (about five times the CPU for a 4 kB page); its output is a few
 * bytes longer than the one-pass encoder's.
 *
 * A template is made from two pages of the same key (compress's cache key prefix: encoding, partition, length)
 * that differ in one region of at most a quarter of the page: its hole is that region widened to multiples of
 * HOLE_ALIGN, so where two requests' tokens happen to begin or end alike does not show. A page that does not fit
 * the template (longer, or different outside the hole) is compressed as before and kept as the next candidate; one
 * that fits it but holds a byte in its hole the template has no code for is compressed as before, and only that.
 * Templates and candidates share a budget per process; the oldest go first.
 */

const HOLE_ALIGN = 32;
/** A byte of HOLE_ALPHABET (fast-gzip.ts): every template has a code for it. */
const HOLE_FILL = 0x20;
/** A hole larger than this part of the page is no template: the page is mostly new each time. */
const MAX_HOLE_SHARE = 4;
// About what a slot holds besides its pages and parts: key, objects, map entry.
const OVERHEAD_BYTES = 600;
const LITERAL_CODES_BYTES = 256 * 4;

interface Template {
  /** The page the template was made from: a page fits when it has the same length and bytes outside the hole. */
  readonly page: Buffer;
  readonly holeStart: number;
  readonly holeEnd: number;
  readonly parts: GzipTemplateParts;
}

/** What one key holds: its template, and the last page that did not fit it (the next template's other half). */
interface Slot {
  template: Template | null;
  candidate: Buffer | null;
  bytes: number;
  /** Pages sent from the template since it was made. */
  servedSinceMade: number;
  /** Pages that fit no template since the last one was made. */
  missed: number;
  /** How many templates in a row were replaced before they served FEW_PAGES pages. */
  shortLived: number;
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
// its three (about two compressions and a gunzip). Templates then cost at most what they save, and an eighth
// of the one-pass encoder's CPU more.
const CREDIT_PER_TEMPLATED_PAGE = 8;
const CREDIT_PER_PAGE = 1;
const CREDIT_PER_TEMPLATE = 24;
const MAX_CREDIT = 64 * CREDIT_PER_TEMPLATED_PAGE;

export class GzipTemplates {
  private readonly slots = new Map<string, Slot>();
  private bytes = 0;
  private templatesMade = 0;
  private pagesServed = 0;
  private credit = MAX_CREDIT;

  constructor(readonly maxBytes: number) {}

  /**
   * The gzip member of `body` from the template of `prefix`, or null when there is none it fits (the caller then
   * compresses the body itself). `crc32` is the body's CRC-32 (for the trailer).
   */
  gzip(prefix: string, body: Buffer, crc32: number): Buffer | null {
    let slot = this.slots.get(prefix);
    // A page that fits the template but holds a byte in its hole the template has no code for is left to the
    // caller: a new template would have no code for it either.
    if (slot?.template != null && fits(slot.template, body)) return this.fromTemplate(slot, slot.template, body, crc32);
    if (slot !== undefined) slot.missed++;
    if (slot?.candidate != null && this.mayMake(slot)) {
      const hole = holeBetween(slot.candidate, body);
      if (hole !== null) {
        // Spent whether or not the template checks out: the compression is done either way.
        this.credit -= CREDIT_PER_TEMPLATE;
        const template = templateOf(slot.candidate, hole);
        slot.shortLived = template === null || (slot.template !== null && slot.servedSinceMade < FEW_PAGES) ? slot.shortLived + 1 : 0;
        slot.missed = 0;
        if (template !== null) {
          slot.servedSinceMade = 0;
          this.templatesMade++;
          this.fill(slot, template, null);
          return this.fromTemplate(slot, template, body, crc32);
        }
      }
    }
    this.earn(CREDIT_PER_PAGE);
    if (slot === undefined) {
      slot = { template: null, candidate: null, bytes: 0, servedSinceMade: 0, missed: 0, shortLived: 0 };
      // The key may hold a Cookie value cut from the request's head: a string of its own keeps none of it.
      this.slots.set(ownCopy(prefix), slot);
    }
    this.fill(slot, slot.template, ownBytes(body));
    return null;
  }

  /** Whether `slot` may make a template now: past its backoff, and with credit for it. */
  private mayMake(slot: Slot): boolean {
    return slot.missed >= Math.min(MAX_BACKOFF_PAGES, 2 ** slot.shortLived) && this.credit >= CREDIT_PER_TEMPLATE;
  }

  /** `body` (which fits `template`) from it, counted; null when its hole holds a byte the template has no code for. */
  private fromTemplate(slot: Slot, template: Template, body: Buffer, crc32: number): Buffer | null {
    const sent = joined(template, body, crc32);
    this.earn(sent === null ? CREDIT_PER_PAGE : CREDIT_PER_TEMPLATED_PAGE);
    if (sent !== null) {
      slot.servedSinceMade++;
      this.pagesServed++;
    }
    return sent;
  }

  private earn(credit: number): void {
    this.credit = Math.min(MAX_CREDIT, this.credit + credit);
  }

  /** Gives `slot` new contents, making room by dropping the oldest slots. */
  private fill(slot: Slot, template: Template | null, candidate: Buffer | null): void {
    this.bytes -= slot.bytes;
    slot.template = template;
    slot.candidate = candidate;
    slot.bytes = OVERHEAD_BYTES + (candidate?.length ?? 0) + (template === null ? 0 : template.page.length + template.parts.head.length + template.parts.tail.length + LITERAL_CODES_BYTES);
    this.bytes += slot.bytes;
    for (const [key, oldest] of this.slots) {
      if (this.bytes <= this.maxBytes) break;
      this.slots.delete(key);
      this.bytes -= oldest.bytes;
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

interface Hole {
  readonly start: number;
  readonly end: number;
}

/**
 * Where two pages of one length differ, widened to multiples of HOLE_ALIGN: null when they are the same page (compress's
 * cache keeps those) or differ in more than a quarter of it.
 */
function holeBetween(candidate: Buffer, body: Buffer): Hole | null {
  const n = body.length;
  if (candidate.length !== n) return null;
  let lo = 0;
  while (lo < n && candidate[lo] === body[lo]) lo++;
  if (lo === n) return null;
  let hi = n;
  while (hi > lo && candidate[hi - 1] === body[hi - 1]) hi--;
  const start = lo - (lo % HOLE_ALIGN);
  const end = Math.min(n, hi + ((HOLE_ALIGN - (hi % HOLE_ALIGN)) % HOLE_ALIGN));
  return (end - start) * MAX_HOLE_SHARE > n ? null : { start, end };
}

/**
 * The template of `page` with `hole`, checked by decompressing a page through it (a template that does not give
 * that page back is a bug, never used); null when the page cannot have one or the check fails.
 */
function templateOf(page: Buffer, hole: Hole): Template | null {
  const parts = gzipTemplateParts(page, hole.start, hole.end);
  if (parts === null) return null;
  const template: Template = { page, holeStart: hole.start, holeEnd: hole.end, parts };
  // Checked with the page's hole filled with a byte every template has a code for: the parts hold nothing of the
  // hole, so any page's token would do, and the candidate's own may hold a byte they have no code for.
  const check = Buffer.from(page);
  check.fill(HOLE_FILL, hole.start, hole.end);
  const own = joined(template, check, zlib.crc32(check));
  if (own === null) return null;
  try {
    return zlib.gunzipSync(own).equals(check) ? template : null;
  } catch {
    return null; // a stream zlib refuses: the same bug, thrown (never let out of a request)
  }
}

/** Whether `body` is the template's page but for its hole: of the same length, the same bytes outside it. */
function fits(template: Template, body: Buffer): boolean {
  const { page, holeStart, holeEnd } = template;
  const n = page.length;
  return body.length === n && body.compare(page, 0, holeStart, 0, holeStart) === 0 && body.compare(page, holeEnd, n, holeEnd, n) === 0;
}

/**
 * The gzip member of `body`, which `fits` the template, or null when its hole holds a byte the template has no
 * code for.
 */
function joined(template: Template, body: Buffer, crc32: number): Buffer | null {
  const n = template.page.length;
  const { head, headBits, headPending, spanStart, spanEnd, tail, tailBitCount, literalCodes } = template.parts;
  let spanBits = 0;
  for (let p = spanStart; p < spanEnd; p++) {
    const code = literalCodes[body[p]!]!;
    if (code === 0) return null;
    spanBits += code >>> 16;
  }
  const blockBytes = (headPending + spanBits + tailBitCount + 7) >>> 3;
  const out = Buffer.allocUnsafe(head.length + blockBytes + 8);
  out.set(head, 0);
  let w = head.length;
  let b = headBits;
  let c = headPending;
  for (let p = spanStart; p < spanEnd; p++) {
    const code = literalCodes[body[p]!]!;
    b |= (code & 0xffff) << c;
    c += code >>> 16;
    while (c >= 8) {
      out[w++] = b;
      b >>>= 8;
      c -= 8;
    }
  }
  // The tail's bits after the c pending: whole bytes shifted by c, then its last few bits.
  const whole = tailBitCount >>> 3;
  if (c === 0) {
    out.set(tail.subarray(0, whole), w);
    w += whole;
  } else {
    for (let i = 0; i < whole; i++) {
      b |= tail[i]! << c;
      out[w++] = b;
      b >>>= 8;
    }
  }
  const rest = tailBitCount & 7;
  if (rest !== 0) {
    b |= (tail[whole]! & ((1 << rest) - 1)) << c;
    c += rest;
  }
  while (c > 0) {
    out[w++] = b;
    b >>>= 8;
    c = Math.max(0, c - 8);
  }
  out.writeUInt32LE(crc32 >>> 0, w);
  out.writeUInt32LE(n >>> 0, w + 4);
  return out;
}

// Templates of one-off gzip pages, per process: 4 MiB holds a few hundred pages' keys.
export const gzipTemplates = new GzipTemplates(4 * 1024 * 1024);
