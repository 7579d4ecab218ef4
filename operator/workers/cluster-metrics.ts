import { AggregatorRegistry, type Registry } from 'prom-client';
import type { PrimaryLink, WorkersLink } from './worker-link.js';

// `--workers`: a scrape reaches one worker, and must show every worker's numbers. That worker asks the
// primary, which collects each worker's registry over prom-client's cluster protocol, aggregates each
// family with its own rule (see Aggregator in proxy/observability/metrics.ts) and sends the text back.

const SCRAPE = 'metrics';
/** A worker waits this long for the aggregated text (prom-client's primary gives up after 5 s). */
const SCRAPE_TIMEOUT_MS = 6000;

/** Primary: answers each worker's scrape with every worker's metrics, aggregated. Call before forking. */
export function aggregateWorkerMetrics(link: WorkersLink): void {
  const aggregator = new AggregatorRegistry();
  link.answer(SCRAPE, () => aggregator.clusterMetrics());
}

/** Worker: lends `registry` to the primary's collection, and returns the scrape source that asks the primary. */
export function clusterScrape(registry: Registry, link: PrimaryLink): () => Promise<string> {
  // prom-client installs its worker-side listener (answering the primary's collection) in this constructor.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries(registry);
  return async () => {
    try {
      return await link.call<string>(SCRAPE, null, SCRAPE_TIMEOUT_MS);
    } catch (err) {
      throw new Error(`metrics of the other workers: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
}
