import type { RuntimeStatus } from './status.js';

/** The entrypoints a router (HTTP or TCP) is attached to; unknown names are its warnings, none left its error. */
export function resolveEntryPoints(wanted: readonly string[] | undefined, exists: (ep: string) => boolean, defaults: readonly string[], name: string, status: RuntimeStatus): string[] {
  const list = wanted === undefined || wanted.length === 0 ? defaults : wanted;
  const valid: string[] = [];
  for (const ep of list) {
    if (!exists(ep)) status.addError('router', name, `entryPoint "${ep}" doesn't exist`, false);
    else valid.push(ep);
  }
  if (valid.length === 0) status.addError('router', name, 'no valid entryPoint for this router', true);
  return valid;
}
