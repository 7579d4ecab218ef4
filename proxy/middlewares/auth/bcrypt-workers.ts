import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { BcryptDone, BcryptJob } from './bcrypt-worker.js';

/**
 * bcrypt off the event loop. A wrong or new password costs bcryptjs ~90 ms of CPU at cost 10: on the event loop,
 * a dozen wrong passwords a second would stall every route of the process (Go's goroutines never have that
 * problem in Traefik). Checks go to worker threads instead, at most MAX_WAITING of them queued: beyond that a
 * check fails at once (401, as a wrong password) rather than letting a flood of guesses queue without end.
 */
export const MAX_WAITING = 256;

interface Pending {
  readonly resolve: (hash: string) => void;
  readonly reject: (err: Error) => void;
}

class BcryptThread {
  private readonly worker: Worker;
  readonly pending = new Map<number, Pending>();
  private dead = false;

  constructor(onExit: (thread: BcryptThread) => void) {
    this.worker = new Worker(new URL('./bcrypt-worker.js', import.meta.url));
    this.worker.unref();
    this.worker.on('message', (done: BcryptDone) => {
      const job = this.pending.get(done.id);
      if (job === undefined) return;
      this.pending.delete(done.id);
      if (done.hash === null) job.reject(new Error('bcrypt refused the hash settings'));
      else job.resolve(done.hash);
      if (this.pending.size === 0) this.worker.unref();
    });
    const fail = (err: Error): void => {
      if (this.dead) return;
      this.dead = true;
      for (const job of this.pending.values()) job.reject(err);
      this.pending.clear();
      onExit(this);
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`bcrypt worker exited (code ${code})`)));
  }

  run(job: BcryptJob, pending: Pending): void {
    this.pending.set(job.id, pending);
    // A thread with work keeps the process alive until the answer is in; an idle one does not.
    this.worker.ref();
    this.worker.postMessage(job);
  }
}

/** A small pool of bcrypt threads, made on first use (most configurations have no bcrypt user). */
export class BcryptWorkers {
  private readonly threads: BcryptThread[] = [];
  private nextId = 1;

  constructor(private readonly size = Math.max(1, Math.min(4, availableParallelism() - 1))) {}

  /** Hashes on the least busy thread; rejects when MAX_WAITING checks are already waiting. */
  readonly hash = (password: string, settings: string): Promise<string> => {
    if (this.waiting() >= MAX_WAITING) return Promise.reject(new Error(`more than ${MAX_WAITING} bcrypt checks waiting`));
    const thread = this.leastBusy();
    const job: BcryptJob = { id: this.nextId++, password, settings };
    return new Promise((resolve, reject) => thread.run(job, { resolve, reject }));
  };

  private waiting(): number {
    return this.threads.reduce((sum, t) => sum + t.pending.size, 0);
  }

  private leastBusy(): BcryptThread {
    const best = this.threads.reduce<BcryptThread | null>((b, t) => (b === null || t.pending.size < b.pending.size ? t : b), null);
    if (best !== null && (best.pending.size === 0 || this.threads.length >= this.size)) return best;
    const thread = new BcryptThread((gone) => {
      const at = this.threads.indexOf(gone);
      if (at !== -1) this.threads.splice(at, 1);
    });
    this.threads.push(thread);
    return thread;
  }
}

/** The process's pool, shared by every basicAuth middleware (threads are a process resource, not per request). */
export const bcryptWorkers = new BcryptWorkers();
