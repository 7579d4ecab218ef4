import { oneEditAway } from '../../labels-spec/index.js';

/**
 * Traefik logs `Router uses a nonexistent certificate resolver` for a router whose `tls.certResolver` names no
 * resolver (cmd/traefik) and keeps serving it with the certificates it has, else the default one. pe-edge says it
 * on the router as a warning (API, dashboard), with the near name and the resolvers there are.
 */
export function nonexistentResolverMessage(name: string, resolvers: ReadonlySet<string>): string {
  return `Router uses a nonexistent certificate resolver: "${name}"${resolverHint(name, resolvers)}; served without it: the TLS store's certificates, else the default one`;
}

/** `; did you mean "le"? (certificatesResolvers: le, staging)`: the near name, if any, and the names there are. */
export function resolverHint(name: string, resolvers: ReadonlySet<string>): string {
  const known = [...resolvers].sort();
  // Names are case-sensitive: `LE` for `le` is a near miss too.
  const near = known.find((k) => k.toLowerCase() === name.toLowerCase()) ?? oneEditAway(name, known);
  const didYouMean = near !== undefined ? `; did you mean "${near}"?` : '';
  return `${didYouMean} (${known.length === 0 ? 'no certificatesResolvers are declared' : `certificatesResolvers: ${known.join(', ')}`})`;
}
