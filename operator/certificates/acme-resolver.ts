// One `certificatesResolvers.<name>.acme`: its account and certificates (acme.json), orders, retries and renewals.
import acme from 'acme-client';
import type { Logger } from 'pino';
import type { AcmeConfig } from '../../labels-spec/static/certificates-resolvers.js';
import type { AcmeChallengeStore } from '../../proxy/tls/acme-challenges.js';
import { type AcmeStorage, type ResolverData, type StoredAccount, type StoredCertificate, certificateNotAfter, parseTraefikKeyType } from './acme-storage.js';
import { applyCaTrust, describeAcmeError } from './acme-http.js';
import { orderCertificate, type ChallengeSolver, type ChallengeType } from './acme-order.js';
import { challengeSolvers } from './challenge-solvers.js';
import { domainNames, domainSetKey, isDomainCovered, unableToObtain, wildcardWithoutDnsChallenge, type DomainSet } from './domain-requests.js';
import { generateCertificateKey } from './certificate-keys.js';
import { needsRenewal, renewPolicy, type RenewPolicy } from './renewal.js';

export interface AcmeResolverDeps {
  storage: AcmeStorage;
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
    this.solvers = challengeSolvers(name, config, deps.challenges, deps.env);
    this.policy = renewPolicy(config.certificatesDuration);
  }

  /** Reads acme.json and installs the CA settings; throws when either cannot be used, and the resolver is then skipped. */
  async load(): Promise<void> {
    this.data = await this.deps.storage.load(this.name);
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
        entry.failures++;
        const delay = Math.min(this.deps.retryBaseMs * 2 ** (entry.failures - 1), this.deps.retryMaxMs);
        const message = describeAcmeError(err, this.config.caServer);
        this.deps.log.error({ resolver: this.name, domains: names, failures: entry.failures, retryInMs: delay }, unableToObtain(names, message));
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

  private async order(names: readonly string[], stored: DomainSet, renewing: StoredCertificate | null): Promise<void> {
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
      await this.deps.storage.save(this.name, this.data);
    } catch (err) {
      this.deps.log.error({ resolver: this.name, domains: names }, `ACME certificate issued but not saved to ${this.config.storage}: ${(err as Error).message}`);
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
    const account = this.data.account;
    const keyType = parseTraefikKeyType(this.config.keyType) ?? '4096';
    if (account === null || account.registration === null) {
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
      await this.deps.storage.save(this.name, this.data).catch((err: unknown) => {
        this.deps.log.error({ resolver: this.name }, `ACME account registered but not saved to ${this.config.storage}: ${(err as Error).message}`);
      });
      return client;
    }
    return this.newClient(account.privateKeyPem, account.registration.uri);
  }

  private newClient(accountKey: string, accountUrl: string | undefined): acme.Client {
    const eab = this.config.eab;
    return new acme.Client({
      directoryUrl: this.config.caServer,
      accountKey,
      ...(accountUrl !== undefined ? { accountUrl } : {}),
      ...(eab !== undefined ? { externalAccountBinding: { kid: eab.kid, hmacKey: eab.hmacEncoded } } : {}),
      backoffAttempts: 10,
      backoffMin: 500,
      backoffMax: 5000,
    });
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}
