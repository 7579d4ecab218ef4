import type { RequestContext } from '../http/request-context.js';
import { compileGoRegexp } from './go-regexp.js';
import { isForwardedHeader } from '../http/forwarded-headers.js';
import { forwardedHeaderLines } from '../http/forwarded-view.js';
import type { CompiledMatcher } from './matcher-types.js';

/**
 * Header family. Traefik compares each header LINE (no comma splitting), so `X-A: 1, 2` is one value
 * `1, 2`. Node lower-cases names, which is what Go's canonical key amounts to for lookup. Rules match after
 * Traefik's entrypoint dropped an untrusted peer's X-Forwarded-* and X-Real-Ip and set its own: a rule on one of
 * those reads them as the entrypoint left them, never as a client forged them.
 */

export type LineTest = (value: string) => boolean;

/** True if any line of header `key` (lower-case) passes `test`. */
function anyHeaderLine(ctx: RequestContext, key: string, test: LineTest): boolean {
  const req = ctx.req;
  // HTTP/1: headersDistinct keeps every line apart (lazily built once per request by Node), but as the client sent
  // them: once a middleware edited the headers (a parent router's, before its children match), rawHeaders has them.
  const distinct = ctx.ownHeaders === null ? req.headersDistinct : undefined;
  if (distinct !== undefined) {
    const lines = distinct[key];
    if (lines === undefined) return false;
    for (const line of lines) if (test(line)) return true;
    return false;
  }
  // HTTP/2 compat (and the lean front) join repeated fields in `headers`; rawHeaders keeps every line.
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    if ((name === key || name.toLowerCase() === key) && test(raw[i + 1] as string)) return true;
  }
  return false;
}

/** True if any line of header `key` passes `test`, as the entrypoint leaves the X-Forwarded-* family. */
export function anyLineAfterEntryPoint(key: string, test: LineTest): (ctx: RequestContext) => boolean {
  if (!isForwardedHeader(key)) return (ctx) => anyHeaderLine(ctx, key, test);
  return (ctx) => forwardedHeaderLines(ctx, key).some(test);
}

export function compileHeader(name: string, value: string): CompiledMatcher {
  const test: LineTest = (line) => line === value;
  return { predicate: anyLineAfterEntryPoint(name.toLowerCase(), test) };
}

export function compileHeaderRegexp(name: string, pattern: string): CompiledMatcher {
  const re = compileGoRegexp(pattern, 'HeaderRegexp');
  const test: LineTest = (line) => re.test(line);
  return { predicate: anyLineAfterEntryPoint(name.toLowerCase(), test) };
}
