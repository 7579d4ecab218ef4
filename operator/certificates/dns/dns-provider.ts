import type { DnsChallengeRecord } from './challenge-record.js';

/** A lego-compatible DNS-01 provider: publishes and removes `_acme-challenge` TXT records. */
export interface DnsProvider {
  readonly name: string;
  /** How long and how often to check propagation, from the provider's own variables (lego's `Timeout()`). */
  readonly propagation: { timeoutMs: number; intervalMs: number };
  /** Set when the provider wants its challenges solved one after another, this long apart (lego's `Sequential()`). */
  readonly sequenceIntervalMs?: number;
  present(record: DnsChallengeRecord): Promise<void>;
  /** Failures are for the caller to log: as in lego, they do not fail the certificate. */
  cleanUp(record: DnsChallengeRecord): Promise<void>;
}
