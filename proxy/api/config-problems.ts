import type { ConfigProblem } from '../observability/change-log.js';
import type { Runtime } from '../runtime/runtime.js';

/**
 * The problems no router, service or middleware carries (a container left out for its labels, a file key typo, a
 * merge conflict, the build's own errors): the dashboard's "Configuration problems", counted by /api/overview too.
 */
export function configProblems(rt: Runtime): ConfigProblem[] {
  return [...(rt.api?.insights?.changes.problems() ?? []), ...rt.errors.map((message): ConfigProblem => ({ provider: 'internal', severity: 'error', message }))];
}

/** Counted as Traefik's overview counts a section: `errors` and `warnings` (there is no total of problems). */
export function problemCounts(rt: Runtime): { errors: number; warnings: number } {
  let errors = 0;
  let warnings = 0;
  for (const p of configProblems(rt)) {
    if (p.severity === 'error') errors++;
    else warnings++;
  }
  return { errors, warnings };
}
