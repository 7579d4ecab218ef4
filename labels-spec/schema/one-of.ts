// "Exactly one type" objects (middlewares, services): the single key picks the schema.
import { z } from 'zod';
import { closest } from '../suggest.js';
import { unknownKeyText, type IssueParams } from '../issues.js';
import { isPlainObject } from './strict-object.js';

export type OneOf<R extends Record<string, z.ZodTypeAny>> = {
  [K in keyof R]: { [P in K]: z.output<R[K]> };
}[keyof R];

function issue(ctx: z.RefinementCtx, peCode: IssueParams['peCode'], message: string, path: (string | number)[] = [], suggestion?: string): void {
  const params: IssueParams = { peCode, ...(suggestion !== undefined ? { suggestion } : {}) };
  ctx.addIssue({ code: z.ZodIssueCode.custom, path, message, params });
}

/**
 * A schema for `{ <type>: options }` where the type is one key of `registry`.
 * (`compress: true` from labels works because strictObject reads true as `{}`.)
 */
export function oneOf<R extends Record<string, z.ZodTypeAny>>(what: string, registry: R): z.ZodType<OneOf<R>, z.ZodTypeDef, unknown> {
  const types = Object.keys(registry);
  const byLower = new Map(types.map((t) => [t.toLowerCase(), t]));
  return z.unknown().transform((raw, ctx): OneOf<R> => {
    if (!isPlainObject(raw)) {
      issue(ctx, 'PE_INVALID_VALUE', `expected an object with one ${what} type (${types.join(', ')})`);
      return z.NEVER;
    }
    const found: string[] = [];
    for (const key of Object.keys(raw)) {
      const type = byLower.get(key.toLowerCase());
      if (type !== undefined) {
        found.push(type);
        continue;
      }
      const suggestion = closest(key, types);
      issue(ctx, 'PE_UNKNOWN_KEY', suggestion !== undefined ? unknownKeyText(key, suggestion, types) : `unknown ${what} type "${key}"; valid types are: ${types.join(', ')}`, [key], suggestion);
    }
    if (found.length > 1) {
      issue(ctx, 'PE_MULTI_TYPE', `${what} has more than one type (${found.join(', ')}); a ${what} has exactly one type, split it into several ${what}s`);
      return z.NEVER;
    }
    const [type] = found;
    if (type === undefined) {
      if (Object.keys(raw).length === 0) issue(ctx, 'PE_NO_TYPE', `${what} has no type; add one of: ${types.join(', ')}`);
      return z.NEVER;
    }
    const rawKey = Object.keys(raw).find((k) => k.toLowerCase() === type.toLowerCase()) ?? type;
    const schema = registry[type] as z.ZodTypeAny;
    const parsed = schema.safeParse(raw[rawKey]);
    if (!parsed.success) {
      for (const inner of parsed.error.issues) ctx.addIssue({ ...inner, path: [type, ...inner.path] });
      return z.NEVER;
    }
    if (found.length !== Object.keys(raw).length) return z.NEVER;
    return { [type]: parsed.data } as OneOf<R>;
  });
}
