// acme-client with lego's way of waiting for a challenge or an order: ask again only while the CA says "pending" or
// "processing"; a poll the CA does not answer, or answers with an error, ends the order at once.
//
// acme-client retries every failed poll, an unanswered one too, for up to 10 attempts with growing delays, so a CA
// that went away mid-order kept the order (and its resolver's retry backoff) waiting half a minute or more.
// lego returns `backoff.Permanent` on a failed `Authorizations.Get` (challenge/resolver/solver_manager.go).
import { setTimeout as sleep } from 'node:timers/promises';
import acme from 'acme-client';

/** The error acme-client's `waitForValidStatus` throws for a pending or processing item (acme-client 5.x). */
const STILL_PENDING = 'Operation is pending or processing';

/** Polls of one item while it is pending, and the delays between them (doubling from the first to the last). */
const POLLS = 10;
const FIRST_DELAY_MS = 500;
const LAST_DELAY_MS = 5000;

export class LegoPollingClient extends acme.Client {
  constructor(opts: acme.ClientOptions) {
    // One attempt per call of acme-client's own poll: the loop below decides what deserves another.
    super({ ...opts, backoffAttempts: 1 });
  }

  override async waitForValidStatus<T>(item: T): Promise<T> {
    for (let poll = 1; ; poll++) {
      try {
        return await super.waitForValidStatus(item);
      } catch (err) {
        if (!(err instanceof Error) || err.message !== STILL_PENDING || poll >= POLLS) throw err;
      }
      await sleep(Math.min(FIRST_DELAY_MS * 2 ** (poll - 1), LAST_DELAY_MS));
    }
  }
}
