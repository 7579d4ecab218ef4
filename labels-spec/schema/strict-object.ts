// Objects as paerser reads them: keys match case-insensitively, unknown keys are errors
// with a suggestion, and a present-but-empty section (`{}` or YAML null) means "enabled".
import { z } from 'zod';
import { closest } from '../suggest.js';
import { parseGoBool } from './go-bool.js';
import { unknownKeyText, type IssueParams } from '../issues.js';

/** Maps every key of `raw` to its canonical spelling, reporting unknown and duplicate keys. */
export function canonicalKeys(
  raw: Record<string, unknown>,
  valid: readonly string[],
  ctx: z.RefinementCtx,
): Record<string, unknown> {
  const byLower = new Map(valid.map((k) => [k.toLowerCase(), k]));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const canonical = byLower.get(key.toLowerCase());
    if (canonical === undefined) {
      const suggestion = closest(key, valid);
      const params: IssueParams = { peCode: 'PE_UNKNOWN_KEY', ...(suggestion !== undefined ? { suggestion } : {}) };
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: [key], message: unknownKeyText(key, suggestion, valid), params });
      continue;
    }
    if (Object.hasOwn(out, canonical)) {
      const params: IssueParams = { peCode: 'PE_INVALID_VALUE' };
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: [key], message: `"${canonical}" is given twice (keys are case-insensitive); keep one`, params });
      continue;
    }
    out[canonical] = value;
  }
  return out;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A zod object with Traefik's key rules; the shape's keys are the canonical spellings. */
export function strictObject<T extends z.ZodRawShape>(shape: T) {
  const valid = Object.keys(shape);
  return z.preprocess((raw, ctx) => {
    // `--ping=true`, `...routers.x.tls=true`: a bare true enables the section with defaults.
    if (raw === null || parseGoBool(raw) === true) return {};
    if (!isPlainObject(raw)) return raw;
    return canonicalKeys(raw, valid, ctx);
  }, z.object(shape));
}

/** Sections accepted as-is (not modelled by pe-edge): any object, null meaning empty. */
export const looseObject = z.preprocess((raw) => (raw === null ? {} : raw), z.record(z.unknown()));

/** A map whose keys are user-chosen names (kept as written). */
export function namedMap<T extends z.ZodTypeAny>(value: T) {
  return z.preprocess((raw) => (raw === null ? {} : raw), z.record(value));
}
