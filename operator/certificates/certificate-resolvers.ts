// Every configured ACME resolver, driven by the routers of each applied configuration and by a renewal schedule.
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { StaticConfig } from '../../labels-spec/index.js';
import type { BuildInput } from '../../proxy/runtime/build-input.js';
import type { Runtime } from '../../proxy/runtime/runtime.js';
import type { AcmeChallengeStore } from '../../proxy/tls/acme-challenges.js';
import { AcmeResolver } from './acme-resolver.js';
import { AcmeStorage, type StoredCertificate } from './acme-storage.js';
import type { CertificateStore } from './certificate-store.js';
import { FileCertificateStore } from './file-certificate-store.js';
import { domainNames, planCertificateRequests, plannedRouters, routerLabel } from './domain-requests.js';
import { defaultRenewSchedule, renewPolicy, startRenewalJob, validateRenewSchedule, type RenewalJob } from './renewal.js';

export interface CertificateResolversDeps {
  challenges: AcmeChallengeStore;
  log: Logger;
  /** A resolver's certificates, to be served: published as the dynamic configuration of provider `<resolver>.acme`. */
  publish: (provider: string, certificates: readonly StoredCertificate[]) => void;
  env?: NodeJS.ProcessEnv;
  /** Retry after a failed order: first delay and cap (defaults 1 min and 1 h: Let's Encrypt allows 5 failed validations per hostname per hour). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** How often a replica waiting for another's order (redisStorage) looks again (default 2 s). */
  leaseCheckMs?: number;
}

export class CertificateResolvers {
  private readonly resolvers = new Map<string, AcmeResolver>();
  private readonly jobs: RenewalJob[] = [];
  private reported = new Set<string>();
  /** What the last plan saw: a retry that falls due plans again against it. */
  private last: { runtime: Runtime; entryPoints: BuildInput['entryPoints'] } | null = null;

  private constructor(private readonly deps: CertificateResolversDeps) {}

  /**
   * Loads each resolver's acme.json and publishes what it holds. A resolver whose storage or DNS provider cannot be
   * used is skipped with Traefik's message; every other resolver, router and certificate keeps working.
   */
  static async start(config: StaticConfig['certificatesResolvers'], deps: CertificateResolversDeps): Promise<CertificateResolvers> {
    const self = new CertificateResolvers(deps);
    const storages = new Map<string, AcmeStorage>();
    for (const [name, resolverConfig] of Object.entries(config ?? {})) {
      const acmeConfig = resolverConfig.acme;
      if (acmeConfig === undefined) continue;
      let resolver: AcmeResolver;
      let store: CertificateStore | undefined;
      try {
        if (acmeConfig.redisStorage !== undefined) {
          // Loaded only when used: ioredis costs a single-instance edge start-up time for nothing.
          const { RedisCertificateStore } = await import('./redis-certificate-store.js');
          store = new RedisCertificateStore(name, acmeConfig.redisStorage, { log: deps.log, challenges: deps.challenges });
        } else {
          const path = resolve(acmeConfig.storage);
          const storage = storages.get(path) ?? new AcmeStorage(path);
          storages.set(path, storage);
          store = new FileCertificateStore(storage, name, acmeConfig.storage);
        }
        resolver = new AcmeResolver(name, acmeConfig, {
          store,
          challenges: deps.challenges,
          log: deps.log,
          onCertificates: () => self.publish(resolver),
          env: deps.env ?? process.env,
          retryBaseMs: deps.retryBaseMs ?? 60_000,
          retryMaxMs: deps.retryMaxMs ?? 3_600_000,
          onRetryDue: () => self.replan(),
          ...(deps.leaseCheckMs !== undefined ? { leaseCheckMs: deps.leaseCheckMs } : {}),
        });
        if (acmeConfig.renewSchedule !== undefined) validateRenewSchedule(acmeConfig.renewSchedule);
        await resolver.load();
      } catch (err) {
        void store?.close();
        deps.log.error({ resolver: name }, `The ACME resolver "${name}" is skipped from the resolvers list because: unable to get ACME account: ${(err as Error).message}`);
        continue;
      }
      self.resolvers.set(name, resolver);
      self.publish(resolver);
    }
    return self;
  }

  /** Renewal checks: once now (after a short jitter), then on each resolver's schedule. Call once the entrypoints answer challenges. */
  startRenewals(): void {
    for (const resolver of this.resolvers.values()) {
      const explicit = resolver.config.renewSchedule;
      const schedule = explicit ?? defaultRenewSchedule(renewPolicy(resolver.config.certificatesDuration), Math.random());
      this.jobs.push(startRenewalJob({
        schedule,
        runAtStart: true,
        // An explicit schedule is taken as written: its first check runs at once, not after the spreading delay.
        ...(explicit !== undefined ? { startJitterMs: 0 } : {}),
        check: () => resolver.renewDue(),
        onError: (err) => this.deps.log.error({ resolver: resolver.name }, `certificate renewal check failed: ${err.message}`),
      }));
    }
  }

  /** The resolvers that loaded: routers naming any other get the runtime's nonexistent-resolver warning. */
  names(): ReadonlySet<string> {
    return new Set(this.resolvers.keys());
  }

  get(name: string): AcmeResolver | undefined {
    return this.resolvers.get(name);
  }

  /**
   * After each applied configuration: orders what the routers ask for and nothing covers yet (a certificate in the
   * TLS store, from a file or any resolver, or an order under way). Orders run in the background.
   */
  plan(runtime: Runtime, entryPoints: BuildInput['entryPoints']): void {
    this.last = { runtime, entryPoints };
    const plan = planCertificateRequests(plannedRouters(runtime), entryPoints, new Set(this.resolvers.keys()));
    const now = new Set<string>();
    for (const problem of plan.problems) {
      const line = `${routerLabel(problem.router)}: ${problem.message}`;
      now.add(line);
      if (!this.reported.has(line)) this.deps.log.error({ router: problem.router.name }, line);
    }
    this.reported = now;
    for (const request of plan.requests) {
      const resolver = this.resolvers.get(request.resolver);
      if (resolver === undefined) continue;
      const names = domainNames(request.domains);
      const unchecked = names.filter((name) => runtime.tls.certificateFor(name) === undefined && !this.anyCovers(name));
      const [main, ...sans] = unchecked;
      if (main === undefined) continue;
      resolver.obtain(names, { main, sans });
    }
  }

  /** Plans again against the last applied configuration (a failed order's retry is due). */
  private replan(): void {
    if (this.last !== null) this.plan(this.last.runtime, this.last.entryPoints);
  }

  stop(): void {
    for (const job of this.jobs) job.stop();
    for (const resolver of this.resolvers.values()) resolver.stop();
  }

  private anyCovers(name: string): boolean {
    for (const resolver of this.resolvers.values()) if (resolver.covers(name)) return true;
    return false;
  }

  private publish(resolver: AcmeResolver): void {
    this.deps.publish(`${resolver.name}.acme`, resolver.certificates());
  }
}
