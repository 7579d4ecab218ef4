import v8 from 'node:v8';

// V8 collects a request's short-lived objects (its stream, headers, buffers) in the young generation. node's
// default semi-space (16 MiB) fills every few hundred requests under load, and objects still in flight then
// (requests waiting on their upstream) are promoted to the old generation, which costs more to collect.
// 32 MiB halves the scavenges: on the production path's HTTP/2 row it cut pe-edge's CPU per request by about a
// fifth, and its peak RSS went down, not up (fewer objects promoted). The image runs node with this flag; a
// worker forked by `--workers` gets it too, unless node was given a size already.

/** The node flag that sizes V8's young generation for pe-edge. */
export const YOUNG_GENERATION_FLAG = '--max-semi-space-size=32';

// V8 12 and later (node 22+, the image's 24) compile hot functions with Maglev, a tier between the baseline compiler
// and TurboFan. Its compiler memory, in malloc arenas that keep what they were given, grew pe-edge's RSS by 8-15 MB
// during a first 100 MB download on node 24, 2-4 MB without it; CPU per request on the production path was
// 0.95-1.01x over HTTP/1.1 and 0.92-0.99x over HTTP/2 without it (docs/performance-history.md, 2026-12-06). node 20
// has Maglev off already. node refuses it in NODE_OPTIONS: it goes on node's command line.

/** The node flag that leaves Maglev out: hot functions go from the baseline tier to TurboFan, as on node 20. */
export const NO_MAGLEV_FLAG = '--no-maglev';

/** node's flags in the image's ENTRYPOINT (the Dockerfile), which tests and benches that run pe-edge as the image does pass too. */
export const IMAGE_NODE_FLAGS: readonly string[] = [YOUNG_GENERATION_FLAG, NO_MAGLEV_FLAG];

/** node's flags for a worker: the primary's, plus YOUNG_GENERATION_FLAG unless the primary's or NODE_OPTIONS already size the semi-space. */
export function workerExecArgv(primary: readonly string[], nodeOptions: string | undefined): string[] {
  if (nodeFlagGiven(/^--max[-_]semi[-_]space[-_]size(=|$)/, primary, nodeOptions)) return [...primary];
  return [...primary, YOUNG_GENERATION_FLAG];
}

// V8 moves an allocation site to the old generation ("pretenuring") once most of what it allocated survived a
// scavenge. Under load some of pe-edge's per-request sites tip over (requests in flight at a scavenge survive it);
// from then on their objects are born old, die there, and keep every young object they point to alive through
// scavenges (the old-to-young remembered set), which are then promoted too. Measured on the production path's
// HTTPS chain with compress: a quarter of the young generation survived each scavenge, scavenges paused 20-30 ms,
// and a third of the throughput went; without pretenuring 0.3 % survives and a scavenge pauses about 2 ms.
// Nothing pe-edge allocates per request lives long, so no site gains from being born old.

/** The V8 flag that keeps per-request allocation sites from being moved to the old generation. */
export const NO_PRETENURING_FLAG = '--no-allocation-site-pretenuring';

/**
 * Turns V8's allocation-site pretenuring off in this process, before it serves, unless node's own flags or
 * NODE_OPTIONS say anything about it (a user's choice wins). Each `--workers` process runs this too.
 */
export function keepRequestObjectsYoung(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  if (nodeFlagGiven(/^--(no[-_])?allocation[-_]site[-_]pretenuring(=|$)/, execArgv, nodeOptions)) return false;
  v8.setFlagsFromString(NO_PRETENURING_FLAG);
  return true;
}

/** Whether node's own flags or NODE_OPTIONS name a flag matching `pattern` (the user's choice then wins). */
function nodeFlagGiven(pattern: RegExp, execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  return execArgv.some((flag) => pattern.test(flag)) || (nodeOptions ?? '').split(/\s+/).some((flag) => pattern.test(flag));
}
