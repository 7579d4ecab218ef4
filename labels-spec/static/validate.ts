// Static configuration: errors are fatal for the process (as in Traefik), but we still report
// every problem at once and return a best-effort config with the broken parts pruned.
import type { z } from 'zod';
import { deprecated, fromZodIssues, invalid, type ConfigIssue } from '../issues.js';
import { isPlainObject } from '../schema/strict-object.js';
import { implementedStatic, notImplementedWarnings } from './implemented.js';
import { spiffeRefused } from '../dynamic/unimplemented-options.js';
import { staticConfigSchema, type StaticConfig } from './schema.js';

// Sections that are maps of independent parts: an error prunes only the part.
const PRUNE_DEPTH: Readonly<Record<string, number>> = {
  entrypoints: 2,
  certificatesresolvers: 2,
  providers: 2,
  metrics: 2,
};

function sameKey(a: string | number, b: string | number): boolean {
  return String(a).toLowerCase() === String(b).toLowerCase();
}

/** A copy of `raw` without the value at `path` (keys matched case-insensitively). */
function without(raw: Record<string, unknown>, path: readonly (string | number)[]): Record<string, unknown> {
  const [head, ...rest] = path;
  if (head === undefined) return {};
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!sameKey(key, head)) out[key] = value;
    else if (rest.length > 0 && isPlainObject(value)) out[key] = without(value, rest);
  }
  return out;
}

function itemOf(path: readonly (string | number)[]): ConfigIssue['item'] {
  const [section = '', name] = path;
  if (sameKey(section, 'entryPoints') && name !== undefined) return { kind: 'entryPoint', name: String(name) };
  return { kind: 'static', name: String(section) };
}

function toIssues(zodIssues: readonly z.ZodIssue[]): ConfigIssue[] {
  return zodIssues.flatMap((issue) => fromZodIssues([issue], [], itemOf(issue.path)));
}

export function validateStaticConfig(raw: unknown): { config: StaticConfig; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  let input: Record<string, unknown> = {};
  if (isPlainObject(raw)) input = raw;
  else if (raw !== null && raw !== undefined) issues.push(invalid([], 'the static configuration must be an object'));

  let parsed = staticConfigSchema.safeParse(input);
  // Each round prunes what failed; a pruned part cannot fail again, so this terminates.
  for (let round = 0; !parsed.success && round < 8; round++) {
    const seen = new Set(issues.map((i) => i.message));
    issues.push(...toIssues(parsed.error.issues).filter((i) => !seen.has(i.message)));
    for (const issue of parsed.error.issues) {
      const depth = PRUNE_DEPTH[String(issue.path[0] ?? '').toLowerCase()] ?? 1;
      input = without(input, issue.path.slice(0, depth));
    }
    parsed = staticConfigSchema.safeParse(input);
  }
  const config = parsed.success ? parsed.data : staticConfigSchema.parse({});
  if (config.serversTransport?.spiffe !== undefined) issues.push(spiffeRefused(['serversTransport', 'spiffe'], { kind: 'static', name: 'serversTransport' }));
  if (config.tcpServersTransport?.tls?.spiffe !== undefined) issues.push(spiffeRefused(['tcpServersTransport', 'tls', 'spiffe'], { kind: 'static', name: 'tcpServersTransport' }));

  const errorPaths = issues.filter((i) => i.severity === 'error').map((i) => i.path.map((p) => String(p).toLowerCase()).join('\u0000'));
  const isError = (path: readonly string[]): boolean => errorPaths.includes(path.map((p) => p.toLowerCase()).join('\u0000'));
  issues.push(...notImplementedWarnings(raw, implementedStatic, isError));
  if (config.core.defaultRuleSyntax === 'v2') {
    issues.push(deprecated(['core', 'defaultRuleSyntax'], 'the v2 rule syntax is deprecated; move rules to v3 syntax', { kind: 'static', name: 'core' }));
  }
  return { config, issues };
}
