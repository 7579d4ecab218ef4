import type { EngineState, ProviderLog } from './docker-provider.js';
import { sleep } from './docker-provider.js';

/** What a provider following a Docker engine (the Docker and Swarm providers) gives the reconnect loop. */
export interface EngineFollower {
  readonly provider: 'docker' | 'swarm';
  readonly watch: boolean;
  readonly signal: AbortSignal;
  readonly log: ProviderLog;
  /** One connection: list, then follow events until the stream ends; calls `onSynced` once the list is applied. */
  connectOnce(onSynced: () => void): Promise<void>;
  /** The logged error (naming the endpoint) and the hint for a failed connection. */
  describe(err: unknown): { error: string; hint: string };
  onEngine(state: EngineState): void;
}

/**
 * Connects, and with `watch` keeps reconnecting (backoff 100 ms doubling to 10 s) while the signal lives, keeping the
 * last configuration meanwhile; resolves after the first attempt, synced or failed.
 */
export async function followEngine(f: EngineFollower): Promise<void> {
  let first = true;
  let backoff = 100;
  let resolveFirst: () => void = () => undefined;
  const firstSync = new Promise<void>((resolve) => { resolveFirst = resolve; });
  const loop = async (): Promise<void> => {
    while (!f.signal.aborted) {
      try {
        await f.connectOnce(() => {
          backoff = 100;
          f.onEngine({ reachable: true });
          if (first) { first = false; resolveFirst(); }
        });
        // Shutting down ends the stream too: that is no reason to warn or reconnect.
        if (!f.watch || f.signal.aborted) return;
        f.log.warn('Docker event stream ended; reconnecting', { provider: f.provider });
      } catch (err) {
        if (f.signal.aborted) return;
        const { error, hint } = f.describe(err);
        f.log.error(`${error}; keeping the last configuration, retrying in ${backoff} ms. ${hint}`, { provider: f.provider });
        f.onEngine({ reachable: false, error, hint });
        if (first) { first = false; resolveFirst(); }
      }
      await sleep(backoff, f.signal);
      backoff = Math.min(backoff * 2, 10_000);
    }
  };
  void loop();
  await firstSync;
}
