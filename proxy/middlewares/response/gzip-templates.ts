import zlib from 'node:zlib';
import { ownBytes, ownCopy } from '../../http/own-copy.js';
import { gzipTemplateParts, type ByteRange, type GzipTemplateParts } from './fast-gzip.js';

/**
 * gzip for pages that differ on every request in a few places only (a CSRF token, a request id, a nonce in each
 * script tag), the rest of the page the same: compressed once with those places as holes (`gzipTemplateParts`),
 * each later page is the template's bits before the first hole, its own bytes there as literals, the template's
 * bits up to the next hole, shifted to fit, and so on. A page costs a comparison with the template, its holes' codes
 * and a copy of about its compressed size, where the one-pass encoder parses and codes it all (about five times the
 * CPU for a 4 kB page); its output is a few bytes longer than the one-pass encoder's.
 *
 * A template is made from two pages of the same key (compress's cache key prefix: encoding, partition, length)
 * that differ in at most MAX_HOLES places, at most a quarter of the page in all: each hole is such a place widened
 * to multiples of HOLE_ALIGN, so where two requests' tokens happen to begin or end alike does not show. A page that
 * does not fit the template (longer, or different outside the holes) is compressed as before and kept as the next
 * candidate; one that fits it but holds a byte in a hole the template has no code for is compressed as before, and
 * only that. Templates and candidates share a budget per process; the oldest go first.
 */

const HOLE_ALIGN = 32;
/** A byte of HOLE_ALPHABET (fast-gzip.ts): every template has a code for it. */
const HOLE_FILL = 0x20;
/** Holes larger in all than this part of the page make no template: the page is mostly new each time. */
const MAX_HOLE_SHARE = 4;
/** Places that differ with fewer equal bytes between them than this are one hole. */
const HOLE_GAP = 32;
/** Pages that differ in more places than this make no template (each place costs a little per page). */
const MAX_HOLES = 16;
// About what a slot holds besides its pages and parts: key, objects, map entry.
const OVERHEAD_BYTES = 600;
const LITERAL_CODES_BYTES = 256 * 4;
// A hole's and its span's objects, and the bits after it (their bytes apart).
const PER_HOLE_BYTES = 160;

interface Template {
  /** The page the template was made from: a page fits when it has the same length and bytes outside the holes. */
  readonly page: Buffer;
  readonly holes: readonly ByteRange[];
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
      const holes = holesBetween(slot.candidate, body);
      if (holes !== null) {
        // Spent whether or not the template checks out: the compression is done either way.
        this.credit -= CREDIT_PER_TEMPLATE;
        const template = templateOf(slot.candidate, holes);
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
    slot.bytes = OVERHEAD_BYTES + (candidate?.length ?? 0) + (template === null ? 0 : templateBytes(template));
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

/** What a template holds, for the budget. */
function templateBytes(template: Template): number {
  const { page, holes, parts } = template;
  let bytes = page.length + parts.head.length + LITERAL_CODES_BYTES + PER_HOLE_BYTES * holes.length;
  for (const { bytes: after } of parts.after) bytes += after.length;
  return bytes;
}

/**
 * Where two pages of one length differ, each place widened to multiples of HOLE_ALIGN, places closer than
 * HOLE_GAP apart as one hole: null when they are the same page (compress's cache keeps those), differ in more than
 * a quarter of it, or in more than MAX_HOLES places.
 */
function holesBetween(candidate: Buffer, body: Buffer): ByteRange[] | null {
  const n = body.length;
  if (candidate.length !== n) return null;
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
 * The template of `page` with `holes`, checked by decompressing a page through it (a template that does not give
 * that page back is a bug, never used); null when the page cannot have one or the check fails.
 */
function templateOf(page: Buffer, holes: readonly ByteRange[]): Template | null {
  const parts = gzipTemplateParts(page, holes);
  if (parts === null) return null;
  const template: Template = { page, holes, parts };
  // Checked with the page's holes filled with a byte every template has a code for: the parts hold nothing of the
  // holes, so any page's tokens would do, and the candidate's own may hold a byte they have no code for.
  const check = Buffer.from(page);
  for (const hole of holes) check.fill(HOLE_FILL, hole.start, hole.end);
  const own = joined(template, check, zlib.crc32(check));
  if (own === null) return null;
  try {
    return zlib.gunzipSync(own).equals(check) ? template : null;
  } catch {
    return null; // a stream zlib refuses: the same bug, thrown (never let out of a request)
  }
}

/** Whether `body` is the template's page but for its holes: of the same length, the same bytes outside them. */
function fits(template: Template, body: Buffer): boolean {
  const { page, holes } = template;
  const n = page.length;
  if (body.length !== n) return false;
  let outside = 0;
  for (const hole of holes) {
    if (body.compare(page, outside, hole.start, outside, hole.start) !== 0) return false;
    outside = hole.end;
  }
  return body.compare(page, outside, n, outside, n) === 0;
}

/**
 * The gzip member of `body`, which `fits` the template, or null when a hole holds a byte the template has no code
 * for.
 */
function joined(template: Template, body: Buffer, crc32: number): Buffer | null {
  const { head, headBits, headPending, spans, after, literalCodes } = template.parts;
  let blockBits = headPending;
  for (const [i, span] of spans.entries()) {
    for (let p = span.start; p < span.end; p++) {
      const code = literalCodes[body[p]!]!;
      if (code === 0) return null;
      blockBits += code >>> 16;
    }
    blockBits += after[i]!.count;
  }
  const out = Buffer.allocUnsafe(head.length + ((blockBits + 7) >>> 3) + 8);
  out.set(head, 0);
  let w = head.length;
  let b = headBits;
  let c = headPending;
  for (const [i, span] of spans.entries()) {
    for (let p = span.start; p < span.end; p++) {
      const code = literalCodes[body[p]!]!;
      b |= (code & 0xffff) << c;
      c += code >>> 16;
      while (c >= 8) {
        out[w++] = b;
        b >>>= 8;
        c -= 8;
      }
    }
    // The bits after the span, after the c pending: whole bytes shifted by c, then its last few bits.
    const { bytes, count } = after[i]!;
    const whole = count >>> 3;
    if (c === 0) {
      out.set(bytes.subarray(0, whole), w);
      w += whole;
    } else {
      for (let j = 0; j < whole; j++) {
        b |= bytes[j]! << c;
        out[w++] = b;
        b >>>= 8;
      }
    }
    const rest = count & 7;
    if (rest !== 0) {
      b |= (bytes[whole]! & ((1 << rest) - 1)) << c;
      c += rest;
      if (c >= 8) {
        out[w++] = b;
        b >>>= 8;
        c -= 8;
      }
    }
  }
  if (c > 0) out[w++] = b;
  out.writeUInt32LE(crc32 >>> 0, w);
  out.writeUInt32LE(template.page.length >>> 0, w + 4);
  return out;
}

// Templates of one-off gzip pages, per process: 4 MiB holds a few hundred pages' keys.
export const gzipTemplates = new GzipTemplates(4 * 1024 * 1024);
