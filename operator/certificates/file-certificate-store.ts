// acme.json as a CertificateStore: one process writes it, so every lease is granted and nothing changes behind it.
import type { ChallengeSolver, ChallengeType } from './acme-order.js';
import type { AcmeStorage, ResolverData } from './acme-storage.js';
import type { CertificateStore, OrderLease } from './certificate-store.js';

const localLease: OrderLease = {
  release: () => Promise.resolve(),
  holdFor: () => Promise.resolve(),
};

export class FileCertificateStore implements CertificateStore {
  readonly where: string;

  constructor(private readonly storage: AcmeStorage, private readonly resolver: string, configuredPath: string) {
    this.where = configuredPath;
  }

  load(): Promise<ResolverData> {
    return this.storage.load(this.resolver);
  }

  storedCertificate(): Promise<null> {
    return Promise.resolve(null);
  }

  storedAccount(): Promise<null> {
    return Promise.resolve(null);
  }

  saveAccount(data: ResolverData): Promise<void> {
    return this.storage.save(this.resolver, data);
  }

  saveCertificate(data: ResolverData): Promise<void> {
    return this.storage.save(this.resolver, data);
  }

  acquire(): Promise<OrderLease> {
    return Promise.resolve(localLease);
  }

  shareChallenges(solvers: ReadonlyMap<ChallengeType, ChallengeSolver>): ReadonlyMap<ChallengeType, ChallengeSolver> {
    return solvers;
  }

  follow(): void {
    // Nobody else writes this file while pe-edge runs (Traefik's rule too).
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
