// What `pe-edge compose scale <name>=<n>` means for a compose file: one service, or a pool of services that
// carry the same `traefik.http.services.<name>.*` labels (app1..appN form the pool `app`), with n spread evenly.

/** The part of a compose service read here. */
export interface ComposeServiceEntry {
  readonly labels?: Readonly<Record<string, unknown>> | readonly unknown[];
}

/** Containers per compose service, in the compose file's order. */
export type ReplicaCounts = ReadonlyArray<readonly [service: string, replicas: number]>;

export interface ScalePlan {
  /** The name asked for: a compose service, or a Traefik service whose compose services form a pool. */
  readonly target: string;
  readonly pool: boolean;
  readonly counts: ReplicaCounts;
}

const SERVICE_LABEL = /^traefik\.http\.services\.([^.]+)\./;

/** The label keys of a compose service, whether written as a map or as a list of `key=value`. */
function labelKeys(entry: ComposeServiceEntry | undefined): string[] {
  const labels = entry?.labels;
  if (Array.isArray(labels)) return labels.map((l) => String(l).split('=')[0] ?? '');
  return labels === undefined ? [] : Object.keys(labels);
}

/** Traefik service name -> the compose services whose labels define it, in file order. */
export function traefikPools(services: Readonly<Record<string, ComposeServiceEntry>>): Map<string, string[]> {
  const pools = new Map<string, string[]>();
  for (const [service, entry] of Object.entries(services)) {
    const names = new Set(labelKeys(entry).map((k) => SERVICE_LABEL.exec(k)?.[1]).filter((n): n is string => n !== undefined));
    for (const name of names) pools.set(name, [...(pools.get(name) ?? []), service]);
  }
  return pools;
}

/**
 * n containers over k services: the first n mod k get one more. Below k the last services get 0, so the pool still
 * has exactly n containers and `up` does not start the others again (refusing would make the user learn the topology).
 */
export function spread(services: readonly string[], total: number): ReplicaCounts {
  const base = Math.floor(total / services.length);
  const extra = total % services.length;
  return services.map((s, i) => [s, base + (i < extra ? 1 : 0)] as const);
}

/**
 * A compose service by that name is scaled alone (`app1=3`); otherwise the pool of the Traefik service by that name
 * (`app=6`). Undefined when the name is neither; the caller names what exists.
 */
export function planScale(services: Readonly<Record<string, ComposeServiceEntry>>, target: string, total: number): ScalePlan | undefined {
  if (Object.hasOwn(services, target)) return { target, pool: false, counts: [[target, total]] };
  const pool = traefikPools(services).get(target);
  return pool === undefined ? undefined : { target, pool: true, counts: spread(pool, total) };
}
