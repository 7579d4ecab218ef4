import { AggregatorRegistry, type Registry } from 'prom-client';
import type { PrimaryLink, WorkersLink } from './worker-link.js';

// `--workers`: a scrape reaches one worker, and must show every worker's numbers. That worker asks the
// primary, which collects each serving worker's registry (as prom-client's JSON), aggregates each family with
// its own rule (see Aggregator in proxy/observability/metrics.ts) and sends the text back. Not prom-client's own
// cluster collection: it asks every forked worker, so a worker still starting (a replacement) or dying meanwhile
// would fail every scrape for 5 s.

const SCRAPE = 'metrics';
const MINE = 'metrics:mine';
/** A serving worker slower than this to give its registry fails the scrape (prom-client's primary gave up after 5 s too). */
const COLLECT_TIMEOUT_MS = 5000;
/** A worker waits this long for the aggregated text. */
const SCRAPE_TIMEOUT_MS = 6000;

/** Primary: answers each worker's scrape with every serving worker's metrics, aggregated. Call before forking. */
export function aggregateWorkerMetrics(link: WorkersLink): void {
  link.answer(SCRAPE, async () => AggregatorRegistry.aggregate(await link.collectEvery<object>(MINE, null, COLLECT_TIMEOUT_MS)).metrics());
}

/** Worker: lends `registry` to the primary's collection, and returns the scrape source that asks the primary. */
export function clusterScrape(registry: Registry, link: PrimaryLink): () => Promise<string> {
  link.answer(MINE, () => registry.getMetricsAsJSON());
  return async () => {
    try {
      return await link.call<string>(SCRAPE, null, SCRAPE_TIMEOUT_MS);
    } catch (err) {
      throw new Error(`metrics of the other workers: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
}
