// Scalars as labels and the CLI deliver them: strings that must be read as bools, ints, lists.
import { z } from 'zod';
import { parseGoBool } from './go-bool.js';
import { trimSpace } from './go-trim-space.js';

// Anything that is not a Go bool spelling is left for zod to reject.
export const bool = z.preprocess((v) => parseGoBool(v) ?? v, z.boolean({ invalid_type_error: 'expected a boolean (true/false)' }));

function numeric(pattern: RegExp) {
  return (v: unknown): unknown => (typeof v === 'string' && pattern.test(trimSpace(v)) ? Number(trimSpace(v)) : v);
}

export const int = z.preprocess(
  numeric(/^[+-]?\d+$/),
  z.number({ invalid_type_error: 'expected an integer' }).int('expected an integer').safe('integer is too large'),
);

export const num = z.preprocess(
  numeric(/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/),
  z.number({ invalid_type_error: 'expected a number' }).finite(),
);

/** Strings; YAML may type `port: 443` as a number, which Traefik reads as "443". */
export const str = z.preprocess(
  (v) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : v),
  z.string({ invalid_type_error: 'expected a string' }),
);

export const nonEmptyStr = z.preprocess(
  (v) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : typeof v === 'string' ? trimSpace(v) : v),
  z.string({ invalid_type_error: 'expected a string' }).min(1, 'must not be empty'),
);

/** A list given as an array, or as one comma-separated string (split, each item TrimSpaced as paerser does). */
export function listOf<T extends z.ZodTypeAny>(item: T) {
  return z.preprocess((v) => {
    if (v === null) return [];
    if (typeof v === 'string') return v.split(',').map(trimSpace).filter((s) => s !== '');
    return v;
  }, z.array(item));
}

export const strList = listOf(str);

/** Header-style maps: user keys kept verbatim, values as strings. */
export const strMap = z.preprocess((v) => (v === null ? {} : v), z.record(str));

/** An enum whose values match case-insensitively and come out in canonical spelling. */
export function enumIgnoringCase<const T extends readonly [string, ...string[]]>(values: T) {
  const byLower = new Map(values.map((v) => [v.toLowerCase(), v]));
  return z.preprocess((v) => (typeof v === 'string' ? (byLower.get(trimSpace(v).toLowerCase()) ?? v) : v), z.enum(values));
}
