import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

// `--workers`: a scrape reaches one worker, and must show every worker's numbers. That worker asks the
// primary, which collects each worker's registry over prom-client's cluster protocol, aggregates each
// family with its own rule (see Aggregator in proxy/observability/metrics.ts) and sends the text back.

const SCRAPE = 'pe-edge:scrape';
const SCRAPED = 'pe-edge:scraped';
/** A worker waits this long for the aggregated text (prom-client's primary gives up after 5 s). */
const SCRAPE_TIMEOUT_MS = 6000;

interface ScrapeRequest {
  type: typeof SCRAPE;
  id: number;
}
interface ScrapeAnswer {
  type: typeof SCRAPED;
  id: number;
  text?: string;
  error?: string;
}

function isMessage<T extends { type: string; id: number }>(message: unknown, type: T['type']): message is T {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type && typeof (message as { id?: unknown }).id === 'number';
}

/** Primary: answers each worker's scrape with every worker's metrics, aggregated. Call before forking. */
export function aggregateWorkerMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: unknown) => {
    if (!isMessage<ScrapeRequest>(message, SCRAPE)) return;
    const reply = (answer: ScrapeAnswer): void => {
      if (worker.isConnected()) worker.send(answer);
    };
    aggregator.clusterMetrics().then(
      (text) => reply({ type: SCRAPED, id: message.id, text }),
      (err: unknown) => reply({ type: SCRAPED, id: message.id, error: err instanceof Error ? err.message : String(err) }),
    );
  });
}

/** Worker: lends `registry` to the primary's collection, and returns the scrape source that asks the primary. */
export function clusterScrape(registry: Registry): () => Promise<string> {
  // prom-client installs its worker-side listener (answering the primary's collection) in this constructor.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries(registry);
  const waiting = new Map<number, { resolve: (text: string) => void; reject: (err: Error) => void; timer: NodeJS.Timeout }>();
  let next = 0;
  process.on('message', (message: unknown) => {
    if (!isMessage<ScrapeAnswer>(message, SCRAPED)) return;
    const pending = waiting.get(message.id);
    if (pending === undefined) return;
    waiting.delete(message.id);
    clearTimeout(pending.timer);
    if (message.text !== undefined) pending.resolve(message.text);
    else pending.reject(new Error(`metrics of the other workers: ${message.error ?? 'no answer'}`));
  });
  return () =>
    new Promise((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error(`metrics of the other workers did not arrive within ${SCRAPE_TIMEOUT_MS} ms`));
      }, SCRAPE_TIMEOUT_MS);
      waiting.set(id, { resolve, reject, timer });
      const request: ScrapeRequest = { type: SCRAPE, id };
      process.send?.(request);
    });
}
