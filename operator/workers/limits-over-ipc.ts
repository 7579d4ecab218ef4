import type { Worker } from 'node:cluster';
import type { LedgerLink } from './leased-limits.js';
import type { GiveSlots, LimitLedger, TakeSlots, TakeTokens, TokensGranted } from './limit-ledger.js';
import type { PrimaryLink, WorkersLink } from './worker-link.js';

// The topics of the limit ledger between the workers and the primary (one process wrote both sides' payloads).

const TAKE = 'limits:take';
const ACQUIRE = 'limits:acquire';
const RELEASE = 'limits:release';
/** A worker that waits longer than this for the primary admits the request (the primary is exiting or stuck). */
const LEDGER_TIMEOUT_MS = 2000;

/** Worker: the ledger, asked over IPC. */
export function ledgerOverIpc(link: PrimaryLink): LedgerLink {
  return {
    take: (request) => link.call<TokensGranted>(TAKE, request, LEDGER_TIMEOUT_MS),
    acquire: (request) => link.call<number>(ACQUIRE, request, LEDGER_TIMEOUT_MS),
    release: (request) => link.tell(RELEASE, request),
  };
}

/** Primary: answers the workers' ledger calls; a worker's slots are freed when it exits. */
export function serveLedger(link: WorkersLink, ledger: LimitLedger, onExit: (listener: (worker: Worker) => void) => void): void {
  link.answer(TAKE, (payload) => ledger.take(payload as TakeTokens));
  link.answer(ACQUIRE, (payload, worker) => ledger.acquire(worker.id, payload as TakeSlots));
  link.hear(RELEASE, (payload, worker) => ledger.release(worker.id, payload as GiveSlots));
  onExit((worker) => ledger.forgetWorker(worker.id));
}
