import { oneEditAway } from '../../labels-spec/index.js';

/**
 * Traefik logs `Router uses a nonexistent certificate resolver` for a router whose `tls.certResolver` names no
 * resolver (cmd/traefik) and keeps serving it with the certificates it has, else the default one. pe-edge says it
 * on the router as a warning (API, dashboard), with the near name and the resolvers there are.
 */
export function nonexistentResolverMessage(name: string, running: ReadonlySet<string>): string {
  return `Router uses a nonexistent certificate resolver: "${name}"${resolverHint(name, running, 'running')}; served without it: the TLS store's certificates, else the default one`;
}

/**
 * `; did you mean "le"? (certificatesResolvers: le, staging)`: the near name, if any, and the names there are. The
 * running edge knows the resolvers that started (`running`: a declared one may have been skipped, its log says why);
 * `check` the ones declared.
 */
export function resolverHint(name: string, resolvers: ReadonlySet<string>, known: 'declared' | 'running' = 'declared'): string {
  const names = [...resolvers].sort();
  // Names are case-sensitive: `LE` for `le` is a near miss too.
  const near = names.find((k) => k.toLowerCase() === name.toLowerCase()) ?? oneEditAway(name, names);
  const didYouMean = near !== undefined ? `; did you mean "${near}"?` : '';
  const none = known === 'declared' ? 'no certificatesResolvers are declared' : 'no certificate resolver is running; the log says why any declared one was skipped';
  return `${didYouMean} (${names.length === 0 ? none : `${known === 'declared' ? 'certificatesResolvers' : 'running resolvers'}: ${names.join(', ')}`})`;
}
