// Traefik (paerser) durations: a Go duration string, or a bare number meaning SECONDS.
import { z } from 'zod';
import { trimSpace } from './schema/go-trim-space.js';

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  'μs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)$/;
const PART = /(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/** Go `time.ParseDuration` grammar, returning milliseconds. */
function parseGoDuration(text: string): number | undefined {
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < rest.length) {
    const start = PART.lastIndex;
    const m = PART.exec(rest);
    if (m === null || m.index !== start) return undefined;
    total += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? Number.NaN);
  }
  return Number.isFinite(total) ? sign * total : undefined;
}

/** Parses a Traefik duration into milliseconds; throws an Error saying what was wrong. */
export function parseDuration(v: unknown): number {
  if (typeof v === 'number') {
    if (Number.isFinite(v)) return v * 1000;
    throw new Error(`invalid duration ${String(v)}: not a finite number`);
  }
  if (typeof v !== 'string') {
    throw new Error(`invalid duration: expected a string like "30s" or a number of seconds, got ${v === null ? 'null' : typeof v}`);
  }
  const text = trimSpace(v);
  if (NUMERIC.test(text)) return Number(text) * 1000;
  const ms = parseGoDuration(text);
  if (ms === undefined) {
    throw new Error(`invalid duration "${v}": use a Go duration such as "100ms", "1m30s", "2h", or a number of seconds`);
  }
  return ms;
}

/** Zod type for a duration field: accepts Traefik spellings, outputs milliseconds. */
export const duration = z.unknown().transform((v, ctx): number => {
  try {
    return parseDuration(v);
  } catch (err) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: (err as Error).message, params: { peCode: 'PE_INVALID_VALUE' } });
    return z.NEVER;
  }
});

const NS_PER_MS = 1_000_000n;

/**
 * Milliseconds as Go's time.Duration.String() spells them, which is how Traefik's API marshals a duration
 * (paerser types.Duration): "0s", "100ms", "1.5s", "1m0s", "1h2m3s", "1.5µs".
 */
export function formatGoDuration(ms: number): string {
  return formatNanoseconds(Number.isInteger(ms) ? BigInt(ms) * NS_PER_MS : BigInt(Math.round(ms * 1e6)));
}

/** A whole number of nanoseconds (a fraction is truncated) as Go prints a time.Duration, e.g. rateLimit's `X-Retry-In`. */
export function formatGoNanoseconds(nanoseconds: number): string {
  return formatNanoseconds(BigInt(Math.trunc(nanoseconds)));
}

function formatNanoseconds(ns: bigint): string {
  const sign = ns < 0n ? '-' : '';
  const u = ns < 0n ? -ns : ns;
  if (u === 0n) return '0s';
  if (u < 1000n) return `${sign}${u}ns`;
  if (u < 1_000_000n) return `${sign}${withFraction(u, 1000n, 3)}µs`;
  if (u < 1_000_000_000n) return `${sign}${withFraction(u, 1_000_000n, 6)}ms`;
  const seconds = u / 1_000_000_000n;
  const s = `${withFraction(u % 60_000_000_000n, 1_000_000_000n, 9)}s`;
  const minutes = seconds / 60n;
  if (minutes === 0n) return `${sign}${s}`;
  const hours = minutes / 60n;
  return hours === 0n ? `${sign}${minutes}m${s}` : `${sign}${hours}h${minutes % 60n}m${s}`;
}

/** `value / unit` in decimal, trailing zeros of the fraction dropped (Go's fmtFrac). */
function withFraction(value: bigint, unit: bigint, digits: number): string {
  const whole = value / unit;
  const rest = value % unit;
  if (rest === 0n) return String(whole);
  return `${whole}.${String(rest).padStart(digits, '0').replace(/0+$/, '')}`;
}
