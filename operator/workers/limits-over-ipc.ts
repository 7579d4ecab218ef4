import type { Worker } from 'node:cluster';
import type { LedgerLink } from './leased-limits.js';
import type { GiveSlots, LimitLedger, SettleLease, TakeSlots, TakeTokens, TokensGranted } from './limit-ledger.js';
import type { PrimaryLink, WorkersLink } from './worker-link.js';

// The topics of the limit ledger between the workers and the primary (one process wrote both sides' payloads).

const TAKE = 'limits:take';
const ACQUIRE = 'limits:acquire';
const RELEASE = 'limits:release';
const SETTLE = 'limits:settle';
/**
 * A worker waits for the primary's answer as long as it takes: admitting without it would lift every limit just
 * when the primary is slowest (a flood), and a grant arriving after a give-up would count a slot nobody frees.
 * The primary lives as long as its workers (a worker exits when the IPC channel closes, and the primary waits for
 * every worker), so nothing waits forever; a client that leaves meanwhile gives its slot back as it arrives.
 */
const NO_TIMEOUT = Number.POSITIVE_INFINITY;

/** Worker: the ledger, asked over IPC. */
export function ledgerOverIpc(link: PrimaryLink): LedgerLink {
  return {
    take: (request) => link.call<TokensGranted>(TAKE, request, NO_TIMEOUT),
    acquire: (request) => link.call<number>(ACQUIRE, request, NO_TIMEOUT),
    release: (request) => link.tell(RELEASE, request),
    settle: (request) => link.tell(SETTLE, request),
  };
}

/** Primary: answers the workers' ledger calls; a worker's slots are freed when it exits. */
export function serveLedger(link: WorkersLink, ledger: LimitLedger, onExit: (listener: (worker: Worker) => void) => void): void {
  link.answer(TAKE, (payload, worker) => ledger.take(worker.id, payload as TakeTokens));
  // A call read after its worker's exit (the channel still held it) would hold a slot nobody gives back.
  link.answer(ACQUIRE, (payload, worker) => (worker.isDead() ? 0 : ledger.acquire(worker.id, payload as TakeSlots)));
  link.hear(RELEASE, (payload, worker) => ledger.release(worker.id, payload as GiveSlots));
  link.hear(SETTLE, (payload, worker) => ledger.settle(worker.id, payload as SettleLease));
  onExit((worker) => ledger.forgetWorker(worker.id));
}
