// One `certificatesResolvers.<name>.acme`: its account and certificates (acme.json, or Redis shared with other replicas), orders, retries and renewals.
import { setTimeout as sleep } from 'node:timers/promises';
import acme from 'acme-client';
import type { Logger } from 'pino';
import type { AcmeConfig } from '../../labels-spec/static/certificates-resolvers.js';
import type { AcmeChallengeStore } from '../../proxy/tls/acme-challenges.js';
import { type ResolverData, type StoredAccount, type StoredCertificate, certificateNotAfter, parseTraefikKeyType } from './acme-storage.js';
import { applyCaTrust, describeAcmeError } from './acme-http.js';
import { orderCertificate, type ChallengeSolver, type ChallengeType } from './acme-order.js';
import { challengeSolvers } from './challenge-solvers.js';
import { domainNames, domainSetKey, isDomainCovered, unableToObtain, wildcardWithoutDnsChallenge, type DomainSet } from './domain-requests.js';
import { generateCertificateKey } from './certificate-keys.js';
import { LegoPollingClient } from './lego-polling-client.js';
import { needsRenewal, renewPolicy, type RenewPolicy } from './renewal.js';
import { CertificateStoreUnavailable, type CertificateStore, type OrderLease, type StoreChange } from './certificate-store.js';

export interface AcmeResolverDeps {
  /** acme.json, or a store shared with other replicas (one of them orders, all of them serve). */
  store: CertificateStore;
  challenges: AcmeChallengeStore;
  log: Logger;
  /** The resolver's certificates changed (issued or renewed): publish them. */
  onCertificates: () => void;
  /** Where DNS providers read their credentials (process.env). */
  env: NodeJS.ProcessEnv;
  /** First retry delay after a failed order, doubled per failure up to retryMaxMs. */
  retryBaseMs: number;
  retryMaxMs: number;
  /**
   * A failed new order's wait is over: plan again against the configuration of now, so names no router asks for
   * any more, or that something else covers by now, are not ordered again (Traefik retries on changes only).
   */
  onRetryDue: () => void;
  /** How often a replica waiting for another's order looks whether it is done or its lease expired. */
  leaseCheckMs?: number;
}

interface Backoff {
  failures: number;
  /** Pending until the retry is due; null once it is (the set may then be ordered again). */
  timer: NodeJS.Timeout | null;
  names: readonly string[];
}

/**
 * Orders run off the request path (acme-client and node:crypto work asynchronously); while one runs, or while a
 * failed one waits for its retry, the same domains are not ordered again, however many routers or reloads ask.
 */
export class AcmeResolver {
  private data: ResolverData = { account: null, certificates: [] };
  /** The account's client; one registration however many orders start at once (a promise, cleared on failure). */
  private client: Promise<acme.Client> | null = null;
  /** Problems already logged by obtain(): the next configuration applied asks again, the log says it once. */
  private readonly reported = new Set<string>();
  private readonly solvers: ReadonlyMap<ChallengeType, ChallengeSolver>;
  private readonly inFlight = new Map<string, { names: string[]; done: Promise<void> }>();
  private readonly backoff = new Map<string, Backoff>();
  private readonly policy: RenewPolicy;
  private stopped = false;
  /** Orders sent to the CA (new certificates and renewals), for logs and tests. */
  ordersPlaced = 0;

  constructor(readonly name: string, readonly config: AcmeConfig, private readonly deps: AcmeResolverDeps) {
    this.solvers = deps.store.shareChallenges(challengeSolvers(name, config, deps.challenges, deps.env));
    this.policy = renewPolicy(config.certificatesDuration);
  }

  /** Reads the store (acme.json or Redis) and installs the CA settings; throws when either cannot be used, and the resolver is then skipped. */
  async load(): Promise<void> {
    this.data = await this.deps.store.load();
    const account = this.data.account;
    if (account?.registration != null && hostOf(account.registration.uri) !== hostOf(this.config.caServer)) {
      // Traefik: an account registered at another CA is dropped and a new one registered.
      this.deps.log.info({ resolver: this.name }, 'Account URI does not match the current CAServer. The account will be reset.');
      this.data = { ...this.data, account: null };
    }
    // Only a resolver that is kept installs its CA settings (a skipped one must not change another's).
    applyCaTrust(this.config.caServer, {
      caCertificates: this.config.caCertificates,
      caSystemCertPool: this.config.caSystemCertPool,
      caServerName: this.config.caServerName,
      timeoutMs: this.config.clientTimeout,
    });
    this.deps.store.follow((change) => this.adopt(change));
  }

  /**
   * What another replica stored: a certificate newer than the one held replaces it (a renewal), one for names not
   * held is added; the shared account replaces this replica's when it differs. Changed certificates are served.
   */
  private adopt(change: StoreChange): void {
    if (this.stopped) return;
    const account = change.account;
    const held = this.data.account?.registration;
    if (account?.registration != null && account.registration.uri !== held?.uri && hostOf(account.registration.uri) === hostOf(this.config.caServer)) {
      this.data = { ...this.data, account };
      // A client made for another account is dropped; one being made for this one (none held yet) is kept.
      if (held != null) this.client = null;
    }
    let certificates = this.data.certificates;
    let changed = false;
    for (const stored of change.certificates) {
      const key = domainSetKey(stored.domain);
      const held = certificates.find((c) => domainSetKey(c.domain) === key);
      if (held !== undefined && (held.certificatePem === stored.certificatePem || !isLater(stored, held))) continue;
      certificates = [...certificates.filter((c) => c !== held), stored];
      changed = true;
    }
    if (change.complete) this.restoreMissing(change);
    if (!changed) return;
    this.data = { ...this.data, certificates };
    try {
      this.deps.onCertificates();
    } catch (err) {
      this.deps.log.error({ resolver: this.name }, `ACME certificates from ${this.deps.store.where} not served: ${(err as Error).message}`);
    }
  }

  certificates(): readonly StoredCertificate[] {
    return this.data.certificates;
  }

  /** A name this resolver holds a certificate for, is ordering one for, or waits to retry ordering. */
  covers(name: string): boolean {
    for (const certificate of this.data.certificates) if (isDomainCovered(name, domainNames(certificate.domain))) return true;
    for (const order of this.inFlight.values()) if (isDomainCovered(name, order.names)) return true;
    for (const entry of this.backoff.values()) if (entry.timer !== null && isDomainCovered(name, entry.names)) return true;
    return false;
  }

  /**
   * The store lost what this replica holds (Redis restarted without its data): written back, so no replica orders
   * again what is issued and served already. Several replicas may write the same; the later certificate stays.
   */
  private restoreMissing(store: StoreChange): void {
    const where = this.deps.store.where;
    const report = (err: unknown): void => {
      this.deps.log.warn({ resolver: this.name }, `unable to restore to ${where}: ${(err as Error).message}`);
    };
    if (store.account === null && this.data.account?.registration != null) this.deps.store.saveAccount(this.data).catch(report);
    const stored = new Map(store.certificates.map((c) => [domainSetKey(c.domain), c]));
    for (const held of this.data.certificates) {
      const there = stored.get(domainSetKey(held.domain));
      if (there === undefined || isLater(held, there)) this.deps.store.saveCertificate(this.data, held).catch(report);
    }
  }

  /** Orders a certificate for `names`, stored under `stored` (the names nothing covered yet), unless one is under way. */
  obtain(names: readonly string[], stored: DomainSet): void {
    const key = domainSetKey(stored);
    if (this.stopped || this.inFlight.has(key) || this.backoff.get(key)?.timer != null) return;
    const unusable = wildcardWithoutDnsChallenge(this.name, names, this.solvers.has('dns-01'));
    if (unusable !== undefined) {
      const line = unableToObtain(names, unusable);
      if (!this.reported.has(line)) this.deps.log.error({ resolver: this.name, domains: names }, line);
      this.reported.add(line);
      return;
    }
    this.run(key, names, () => this.order(names, stored, null), 'replan');
  }

  /** Renews every stored certificate inside its renew period (or unreadable), even one no router uses any more. */
  async renewDue(now = new Date()): Promise<void> {
    const due = this.data.certificates.filter((certificate) => {
      let notAfter: Date | null = null;
      try {
        notAfter = certificateNotAfter(certificate.certificatePem);
      } catch {
        notAfter = null;
      }
      return needsRenewal(notAfter, now, this.policy);
    });
    const runs: Promise<void>[] = [];
    for (const certificate of due) {
      const names = domainNames(certificate.domain);
      const key = domainSetKey(certificate.domain);
      // A failed renewal waiting for its retry is left to that retry: a check starting another would add a retry
      // chain per check and ask the CA at every check, whatever the backoff says.
      if (this.inFlight.has(key) || this.backoff.get(key)?.timer != null) continue;
      this.deps.log.info({ resolver: this.name, domains: names }, 'Renewing certificate from LE');
      runs.push(this.run(key, names, () => this.order(names, certificate.domain, certificate), 'again'));
    }
    await Promise.all(runs);
  }

  stop(): void {
    this.stopped = true;
    for (const entry of this.backoff.values()) if (entry.timer !== null) clearTimeout(entry.timer);
    this.backoff.clear();
    void this.deps.store.close();
  }

  /**
   * Runs one order; a failure is logged and retried with backoff, and never rejects. `retry`: a renewal runs
   * `again` (its certificate is stored); a new order is planned again when due (`replan`), from the routers of then.
   */
  private run(key: string, names: readonly string[], attempt: () => Promise<void>, retry: 'again' | 'replan'): Promise<void> {
    const done = attempt().then(
      () => {
        this.backoff.delete(key);
      },
      (err: unknown) => {
        const entry = this.backoff.get(key) ?? { failures: 0, timer: null, names };
        // A store that cannot be reached said so once for the whole outage; each order waiting on it says nothing,
        // and tries again after the first delay: the CA refused nothing.
        const storeAway = err instanceof CertificateStoreUnavailable;
        if (!storeAway) entry.failures++;
        const delay = this.retryDelay(Math.max(entry.failures, 1));
        if (!storeAway) {
          const message = describeAcmeError(err, this.config.caServer);
          this.deps.log.error({ resolver: this.name, domains: names, failures: entry.failures, retryInMs: delay }, unableToObtain(names, message));
        }
        if (!this.stopped) {
          // One retry per domain set, whatever started this attempt.
          if (entry.timer !== null) clearTimeout(entry.timer);
          entry.timer = setTimeout(() => {
            entry.timer = null;
            if (retry === 'replan') this.deps.onRetryDue();
            else this.run(key, names, attempt, retry).catch(() => undefined);
          }, delay);
          entry.timer.unref();
        }
        this.backoff.set(key, entry);
      },
    ).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, { names: [...names], done });
    return done;
  }

  private retryDelay(failures: number): number {
    return Math.min(this.deps.retryBaseMs * 2 ** (failures - 1), this.deps.retryMaxMs);
  }

  /** Orders under the store's lease on the domain set; nothing when another replica stored it meanwhile. */
  private async order(names: readonly string[], stored: DomainSet, renewing: StoredCertificate | null): Promise<void> {
    const key = domainSetKey(stored);
    const lease = await this.takeTurn(key, names);
    if (lease === null) return;
    try {
      await this.placeOrder(names, stored, renewing);
    } catch (err) {
      // The failure's backoff holds for every replica: nobody asks the CA for these names again before it ends.
      await lease.holdFor(this.retryDelay((this.backoff.get(key)?.failures ?? 0) + 1));
      throw err;
    }
    await lease.release();
  }

  /**
   * Waits until this replica holds the lease on `key` and the store still has no usable certificate for it (null:
   * another replica's arrived). A holder that dies stops renewing its lease; it expires and a waiting replica takes it.
   */
  private async takeTurn(key: string, names: readonly string[]): Promise<OrderLease | null> {
    let waiting = false;
    for (;;) {
      if (this.stopped) return null;
      if (await this.storeHasUsable(key)) return null;
      const lease = await this.deps.store.acquire(key);
      if (lease !== null) {
        // Stored between the look above and the lease (the holder released it just now).
        const done = await this.storeHasUsable(key).catch(async (err: unknown) => {
          await lease.release();
          throw err;
        });
        if (!done) return lease;
        await lease.release();
        return null;
      }
      if (!waiting) this.deps.log.info({ resolver: this.name, domains: names }, `Another replica is ordering this certificate; waiting for it in ${this.deps.store.where}`);
      waiting = true;
      await sleep(this.deps.leaseCheckMs ?? 2000);
    }
  }

  /** The store holds a certificate for `key` that needs no renewal (adopted, so it is served here too). */
  private async storeHasUsable(key: string): Promise<boolean> {
    const stored = await this.deps.store.storedCertificate(key);
    if (stored === null) return false;
    this.adopt({ account: null, certificates: [stored], complete: false });
    return !needsRenewal(notAfterOrNull(stored), new Date(), this.policy);
  }

  private async placeOrder(names: readonly string[], stored: DomainSet, renewing: StoredCertificate | null): Promise<void> {
    this.ordersPlaced++;
    this.deps.log.info({ resolver: this.name, domains: names }, renewing === null ? 'Ordering ACME certificate' : 'Ordering ACME certificate renewal');
    const client = await this.accountClient();
    const keyPem = renewing?.keyPem ?? (await generateCertificateKey(this.config.keyType));
    const certificatePem = await orderCertificate({
      client,
      email: this.config.email,
      domains: names,
      keyPem,
      solvers: this.solvers,
      preferredChain: this.config.preferredChain,
    });
    const entry: StoredCertificate = { domain: stored, certificatePem, keyPem, store: 'default' };
    const key = domainSetKey(stored);
    const others = this.data.certificates.filter((c) => domainSetKey(c.domain) !== key);
    this.data = { ...this.data, certificates: [...others, entry] };
    this.deps.log.info({ resolver: this.name, domains: names, notAfter: certificateNotAfter(certificatePem).toISOString() }, renewing === null ? 'ACME certificate obtained' : 'ACME certificate renewed');
    // The certificate is issued: nothing from here on may lead to ordering it again (5 per week for one set of
    // names). A failed save is logged and the certificate still served; the next save (any order) writes it.
    try {
      await this.deps.store.saveCertificate(this.data, entry);
    } catch (err) {
      this.deps.log.error({ resolver: this.name, domains: names }, `ACME certificate issued but not saved to ${this.deps.store.where}: ${(err as Error).message}`);
    }
    if (this.stopped) return;
    try {
      this.deps.onCertificates();
    } catch (err) {
      this.deps.log.error({ resolver: this.name, domains: names }, `ACME certificate issued but not served: ${(err as Error).message}`);
    }
  }

  /** The ACME client with this resolver's account, registering one on first use (Traefik: terms accepted, EAB if set). */
  private accountClient(): Promise<acme.Client> {
    this.client ??= this.registerOrResume().catch((err: unknown) => {
      this.client = null;
      throw err;
    });
    return this.client;
  }

  private async registerOrResume(): Promise<acme.Client> {
    const account = this.data.account?.registration != null ? this.data.account : await this.sharedAccount();
    if (account?.registration != null) return this.newClient(account.privateKeyPem, account.registration.uri);
    const lease = await this.deps.store.acquire('account');
    if (lease === null) {
      // Another replica registers the shared account: use it once stored.
      if (this.stopped) throw new Error('the resolver stopped');
      await sleep(this.deps.leaseCheckMs ?? 2000);
      return this.registerOrResume();
    }
    try {
      // Registered by another replica between the look and the lease.
      const now = await this.sharedAccount();
      if (now?.registration != null) return this.newClient(now.privateKeyPem, now.registration.uri);
      return await this.register(now);
    } finally {
      await lease.release();
    }
  }

  /** The account replicas share (stored by whichever held the account lease), adopted; else the one held. */
  private async sharedAccount(): Promise<StoredAccount | null> {
    const stored = await this.deps.store.storedAccount();
    if (stored !== null) this.adopt({ account: stored, certificates: [], complete: false });
    return this.data.account;
  }

  private async register(account: StoredAccount | null): Promise<acme.Client> {
    const keyType = parseTraefikKeyType(this.config.keyType) ?? '4096';
    const privateKeyPem = account?.privateKeyPem ?? (await generateCertificateKey(this.config.keyType));
    const client = this.newClient(privateKeyPem, undefined);
    const body: unknown = await client.createAccount({
      termsOfServiceAgreed: true,
      ...(this.config.email !== '' ? { contact: [`mailto:${this.config.email}`] } : {}),
    });
    const registered: StoredAccount = { email: this.config.email, registration: { body, uri: client.getAccountUrl() }, privateKeyPem, keyType };
    this.data = { ...this.data, account: registered };
    this.deps.log.info({ resolver: this.name, account: registered.registration?.uri }, 'ACME account registered');
    // Registered is registered: a failed save is logged, and the account kept in memory for this run.
    await this.deps.store.saveAccount(this.data).catch((err: unknown) => {
      this.deps.log.error({ resolver: this.name }, `ACME account registered but not saved to ${this.deps.store.where}: ${(err as Error).message}`);
    });
    return client;
  }

  private newClient(accountKey: string, accountUrl: string | undefined): acme.Client {
    const eab = this.config.eab;
    return new LegoPollingClient({
      directoryUrl: this.config.caServer,
      accountKey,
      ...(accountUrl !== undefined ? { accountUrl } : {}),
      ...(eab !== undefined ? { externalAccountBinding: { kid: eab.kid, hmacKey: eab.hmacEncoded } } : {}),
    });
  }
}

function notAfterOrNull(certificate: StoredCertificate): Date | null {
  try {
    return certificateNotAfter(certificate.certificatePem);
  } catch {
    return null;
  }
}

/** `a` expires after `b` (an unreadable one is never later). */
function isLater(a: StoredCertificate, b: StoredCertificate): boolean {
  const later = notAfterOrNull(a);
  const earlier = notAfterOrNull(b);
  return later !== null && (earlier === null || later.getTime() > earlier.getTime());
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}
