// Where one ACME resolver keeps its account and certificates, and how replicas sharing them take turns ordering.
// acme.json (file-certificate-store.ts) is the single-instance default; Redis (redis-certificate-store.ts) is shared.
import type { ChallengeSolver, ChallengeType } from './acme-order.js';
import type { ResolverData, StoredAccount, StoredCertificate } from './acme-storage.js';

/** The right to order (or register) one thing while other replicas wait; it expires if its holder dies. */
export interface OrderLease {
  /** Done (ordered and stored, or nothing to do): another replica may take it at once. */
  release(): Promise<void>;
  /** The order failed: nobody orders this again before `ms` have passed (the holder's own retry may). */
  holdFor(ms: number): Promise<void>;
}

/** The store cannot be reached right now; the store has logged it (once per outage). */
export class CertificateStoreUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CertificateStoreUnavailable';
  }
}

/** What changed in the store because another replica wrote it. */
export interface StoreChange {
  account: StoredAccount | null;
  certificates: StoredCertificate[];
  /** Everything the store holds (a resync), not one notification: what it lacks was lost there (a Redis restarted empty). */
  complete: boolean;
}

export interface CertificateStore {
  /** For log lines: the acme.json path as configured, or `Redis <endpoint>`. */
  readonly where: string;
  /** Everything stored for the resolver; throws when the store cannot be used at start (the resolver is skipped). */
  load(): Promise<ResolverData>;
  /** The stored certificate of one domain set when other processes may have written it; null otherwise. */
  storedCertificate(key: string): Promise<StoredCertificate | null>;
  /** The stored account when other processes may have written it; null otherwise. */
  storedAccount(): Promise<StoredAccount | null>;
  /** `data` is the resolver's whole state; the account in it changed. */
  saveAccount(data: ResolverData): Promise<void>;
  /** `data` is the resolver's whole state; `certificate` is the one that changed. */
  saveCertificate(data: ResolverData, certificate: StoredCertificate): Promise<void>;
  /**
   * The lease on `subject` (a domain set key, or 'account'), null while another replica holds it. Throws
   * CertificateStoreUnavailable when that cannot be known.
   */
  acquire(subject: string): Promise<OrderLease | null>;
  /** The solvers to order with: answers presented by this replica are answered by every replica. */
  shareChallenges(solvers: ReadonlyMap<ChallengeType, ChallengeSolver>): ReadonlyMap<ChallengeType, ChallengeSolver>;
  /** Calls `onChange` with what other replicas store from now on; a no-op where nobody else writes. */
  follow(onChange: (change: StoreChange) => void): void;
  close(): Promise<void>;
}
