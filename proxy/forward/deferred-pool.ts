import type { Dispatcher } from 'undici';
import type { ForwardRequest } from './http1/exchange.js';
import { createUpstreamPool, type UpstreamPool, type UpstreamTransport } from './upstream-transport.js';

/**
 * A plain-HTTP upstream pool created on its first request. With thousands of services most servers see no traffic for
 * long stretches, and a pool's bookkeeping (connection lists, timers' closures, options) costs about a kilobyte
 * each: a configuration of 10,000 services keeps 10,000 of these instead. Once created, every request is one
 * extra call away from the real pool. Closed before its first request, it stays empty; a request arriving
 * after close (an old runtime's) gets a pool that is closed at once, as the real pool would have been.
 */
export class DeferredPool implements UpstreamPool {
  private pool: UpstreamPool | null = null;
  private isClosed = false;

  constructor(private readonly origin: string, private readonly transport: UpstreamTransport) {}

  dispatch(request: ForwardRequest, handler: Dispatcher.DispatchHandler): boolean {
    return (this.pool ?? this.create()).dispatch(request, handler);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  close(): Promise<void> {
    this.isClosed = true;
    return this.pool === null ? Promise.resolve() : this.pool.close();
  }

  /** Whether the real pool exists (it does once a request went through). */
  get created(): boolean {
    return this.pool !== null;
  }

  private create(): UpstreamPool {
    const pool = createUpstreamPool(this.origin, this.transport);
    this.pool = pool;
    if (this.isClosed) pool.close().catch(() => undefined);
    return pool;
  }
}
