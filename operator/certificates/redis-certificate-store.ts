// One resolver's account and certificates in Redis, shared by every pe-edge replica configured with the same
// endpoint and keyPrefix. Keys (P = keyPrefix + resolver name):
//   P:account        the account, as acme.json's `Account` entry (JSON)
//   P:certificates   hash: domain set ("main,san,...") → the certificate, as an entry of acme.json's `Certificates`
//   P:lease:<what>   the replica ordering <what> (a domain set, or `account`), SET NX PX: it expires if that dies
//   P:events         pub/sub: a certificate or the account was stored; a challenge answer to serve or drop
// Redis away: commands fail at once (no offline queue), the replica keeps what it holds, one warning per outage.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import acme from 'acme-client';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AcmeRedisStorage } from '../../labels-spec/static/redis-storage.js';
import type { AcmeChallengeStore } from '../../proxy/tls/acme-challenges.js';
import type { ChallengeSolver, ChallengeType } from './acme-order.js';
import { decodeResolverData, encodeResolverData, type ResolverData, type StoredAccount, type StoredCertificate } from './acme-json.js';
import { CertificateStoreUnavailable, type CertificateStore, type OrderLease, type StoreChange } from './certificate-store.js';
import { domainSetKey } from './domain-requests.js';
import { RECONNECT_MAX_MS, redisEndpointLabel, redisOptions } from './redis-connection.js';

// Take the lease when free, or extend it when this replica holds it already (its own retry after a failure).
const ACQUIRE = `if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('pexpire', KEYS[1], ARGV[2]) return 1 end
return 0`;
const EXTEND = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0`;
// A replica says it is alive (scored by Redis' clock, so hosts' clocks do not matter); answers how many are.
const HEARTBEAT = `local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('zadd', KEYS[1], now, ARGV[1])
redis.call('zremrangebyscore', KEYS[1], '-inf', now - tonumber(ARGV[2]))
return redis.call('zcard', KEYS[1])`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0`;

/** Another replica wrote the store, or asks every replica to answer (or drop) a challenge. */
type StoreEvent =
  | { kind: 'certificate'; key: string }
  | { kind: 'account' }
  | { kind: 'http-01'; action: 'present' | 'cleanUp'; token: string; domain: string; keyAuthorization: string }
  | { kind: 'tls-alpn-01'; action: 'present'; domain: string; certPem: string; keyPem: string }
  | { kind: 'tls-alpn-01'; action: 'cleanUp'; domain: string };

const isString = (v: unknown): v is string => typeof v === 'string';

/** The event a message on the events channel carries, or null when it is not a well-formed pe-edge event. */
function decodeStoreEvent(message: string): (StoreEvent & { from?: string }) | null {
  let raw: unknown;
  try {
    raw = JSON.parse(message);
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const e = raw as Record<string, unknown>;
  if (e['from'] !== undefined && !isString(e['from'])) return null;
  const fields = (...names: string[]): boolean => names.every((name) => isString(e[name]));
  switch (e['kind']) {
    case 'certificate':
      return fields('key') ? (e as StoreEvent) : null;
    case 'account':
      return e as StoreEvent;
    case 'http-01':
      return (e['action'] === 'present' || e['action'] === 'cleanUp') && fields('token', 'domain', 'keyAuthorization') ? (e as StoreEvent) : null;
    case 'tls-alpn-01':
      if (e['action'] === 'present') return fields('domain', 'certPem', 'keyPem') ? (e as StoreEvent) : null;
      return e['action'] === 'cleanUp' && fields('domain') ? (e as StoreEvent) : null;
    default:
      return null;
  }
}

/** A full reload every so often, in case a notification was lost (pub/sub delivers at most once). */
const RESYNC_INTERVAL_MS = 30_000;
/** Each replica's heartbeat; one missing three of them no longer counts as a replica that must hear challenges. */
const HEARTBEAT_MS = 2_000;
/** The longest a challenge waits for every live replica to be subscribed (one reconnecting after an outage). */
const LISTENERS_WAIT_MS = 10_000;
/**
 * Back after an outage, no lease is taken for this long: the other replicas, each backing off its own reconnects
 * (up to RECONNECT_MAX_MS), are back too and have said they are alive (a heartbeat), so the challenge answer waits
 * for them. Without it the first replica back ordered at once, counted only itself among the replicas, and the CA's
 * request reaching a replica still reconnecting found no answer: a failed order, then a second one.
 */
const SETTLE_AFTER_OUTAGE_MS = RECONNECT_MAX_MS + HEARTBEAT_MS;

export interface RedisCertificateStoreDeps {
  log: Logger;
  challenges: AcmeChallengeStore;
}

export class RedisCertificateStore implements CertificateStore {
  readonly where: string;
  private readonly client: Redis;
  private readonly subscriber: Redis;
  private readonly prefix: string;
  /** This process, as written into leases and events (its own events are not applied twice). */
  private readonly id = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private down = false;
  /** Before this time (after an outage), no lease is taken: see SETTLE_AFTER_OUTAGE_MS. */
  private settledAt = 0;
  private onChange: ((change: StoreChange) => void) | null = null;
  private resyncTimer: NodeJS.Timeout | null = null;
  /** Renewal timers of the leases held: stopped on close (a stopping replica's leases then expire). */
  private readonly renewals = new Set<NodeJS.Timeout>();
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private closed = false;

  /** Throws an Error naming the field when the endpoint or a TLS file cannot be used. */
  constructor(private readonly resolver: string, private readonly config: AcmeRedisStorage, private readonly deps: RedisCertificateStoreDeps) {
    const field = `certificatesResolvers.${resolver}.acme.redisStorage`;
    this.where = `Redis ${redisEndpointLabel(config)}`;
    this.prefix = `${config.keyPrefix}${resolver}:`;
    this.client = new Redis(redisOptions(config, field, false));
    this.subscriber = new Redis(redisOptions(config, field, true));
    for (const connection of [this.client, this.subscriber]) connection.on('error', (err: Error) => this.markDown(err));
    this.client.on('ready', () => {
      this.markUp();
      void this.heartbeat();
    });
    this.subscriber.on('message', (_channel: string, message: string) => this.receive(message));
  }

  /** Connects and reads what the replicas stored; Redis away at start is an empty store now and a resync later. */
  async load(): Promise<ResolverData> {
    this.client.connect().catch((err: unknown) => this.markDown(err));
    this.subscriber.connect().catch((err: unknown) => this.markDown(err));
    this.subscriber.subscribe(this.key('events')).catch((err: unknown) => this.markDown(err));
    await this.ready();
    try {
      return await this.readAll();
    } catch (err) {
      if (err instanceof CertificateStoreUnavailable) return { account: null, certificates: [] };
      throw err;
    }
  }

  async storedCertificate(key: string): Promise<StoredCertificate | null> {
    const raw = await this.command(() => this.client.hget(this.key('certificates'), key));
    return raw === null ? null : this.decodeCertificate(raw);
  }

  async storedAccount(): Promise<StoredAccount | null> {
    const raw = await this.command(() => this.client.get(this.key('account')));
    return raw === null ? null : decodeResolverData({ Account: JSON.parse(raw) as unknown }, this.resolver).account;
  }

  async saveAccount(data: ResolverData): Promise<void> {
    const entry = encodeResolverData({ account: data.account, certificates: [] }, this.resolver) as { Account: unknown };
    await this.command(() => this.client.set(this.key('account'), JSON.stringify(entry.Account)));
    await this.publish({ kind: 'account' });
  }

  async saveCertificate(_data: ResolverData, certificate: StoredCertificate): Promise<void> {
    const key = domainSetKey(certificate.domain);
    const entry = encodeResolverData({ account: null, certificates: [certificate] }, this.resolver) as { Certificates: unknown[] };
    await this.command(() => this.client.hset(this.key('certificates'), key, JSON.stringify(entry.Certificates[0])));
    await this.publish({ kind: 'certificate', key });
  }

  async acquire(subject: string): Promise<OrderLease | null> {
    const key = this.key(`lease:${subject}`);
    const settling = this.settledAt - Date.now();
    if (settling > 0) await sleep(settling);
    const taken = await this.command(() => this.client.eval(ACQUIRE, 1, key, this.id, String(this.config.leaseDuration)));
    return taken === 1 ? this.lease(key, subject) : null;
  }

  shareChallenges(solvers: ReadonlyMap<ChallengeType, ChallengeSolver>): ReadonlyMap<ChallengeType, ChallengeSolver> {
    const shared = new Map(solvers);
    const http = solvers.get('http-01');
    if (http !== undefined) {
      shared.set('http-01', {
        // Every replica answers before this one's own answer (and its delay) lets the order go on.
        present: async (domain, token, keyAuthorization, authz) => {
          await this.everyReplicaListening();
          await this.publish({ kind: 'http-01', action: 'present', token, domain, keyAuthorization });
          await http.present(domain, token, keyAuthorization, authz);
        },
        cleanUp: async (domain, token, keyAuthorization) => {
          await http.cleanUp(domain, token, keyAuthorization);
          await this.publish({ kind: 'http-01', action: 'cleanUp', token, domain, keyAuthorization }).catch(() => undefined);
        },
      });
    }
    const alpn = solvers.get('tls-alpn-01');
    if (alpn !== undefined) {
      shared.set('tls-alpn-01', {
        present: async (domain, token, keyAuthorization, authz) => {
          const [key, cert] = await acme.crypto.createAlpnCertificate(authz, keyAuthorization);
          await this.everyReplicaListening();
          await this.publish({ kind: 'tls-alpn-01', action: 'present', domain, certPem: cert.toString(), keyPem: key.toString() });
          await alpn.present(domain, token, keyAuthorization, authz);
        },
        cleanUp: async (domain, token, keyAuthorization) => {
          await alpn.cleanUp(domain, token, keyAuthorization);
          await this.publish({ kind: 'tls-alpn-01', action: 'cleanUp', domain }).catch(() => undefined);
        },
      });
    }
    // DNS-01 answers live in DNS, which every replica shares already.
    return shared;
  }

  follow(onChange: (change: StoreChange) => void): void {
    this.onChange = onChange;
    this.resyncTimer = setInterval(() => void this.resync(), RESYNC_INTERVAL_MS);
    this.resyncTimer.unref();
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), HEARTBEAT_MS);
    this.heartbeatTimer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.resyncTimer !== null) clearInterval(this.resyncTimer);
    if (this.heartbeatTimer !== null) clearInterval(this.heartbeatTimer);
    for (const timer of this.renewals) clearInterval(timer);
    this.renewals.clear();
    this.client.disconnect();
    this.subscriber.disconnect();
    await Promise.resolve();
  }

  private key(name: string): string {
    return `${this.prefix}${name}`;
  }

  /**
   * Waits for the connection, its first failure (refused, unknown host) or dialTimeout, whichever comes first:
   * Redis away is then left to the reconnects (and logged once), and the edge starts without it.
   */
  private async ready(): Promise<void> {
    if (this.client.status === 'ready') return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.client.off('ready', done);
        this.client.off('error', done);
        resolve();
      };
      const timer = setTimeout(done, this.config.dialTimeout);
      this.client.once('ready', done);
      this.client.once('error', done);
    });
  }

  private async readAll(): Promise<ResolverData> {
    const [account, certificates] = await Promise.all([
      this.storedAccount(),
      this.command(() => this.client.hgetall(this.key('certificates'))),
    ]);
    const stored = Object.values(certificates).map((raw) => this.decodeCertificate(raw)).filter((c): c is StoredCertificate => c !== null);
    return { account, certificates: stored };
  }

  private decodeCertificate(raw: string): StoredCertificate | null {
    try {
      return decodeResolverData({ Certificates: [JSON.parse(raw) as unknown] }, this.resolver).certificates[0] ?? null;
    } catch (err) {
      this.deps.log.error({ resolver: this.resolver }, `a certificate in ${this.where} under ${this.key('certificates')} cannot be read: ${(err as Error).message}`);
      return null;
    }
  }

  /** One Redis command; a connection problem becomes CertificateStoreUnavailable (logged once per outage). */
  private async command<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      // A reply from the server (a wrong type under a key, a script error) is an answer, not an outage.
      if (err instanceof Error && err.name === 'ReplyError') throw err;
      this.markDown(err);
      throw new CertificateStoreUnavailable(`${this.where} is unavailable: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Alive: counted among the replicas a challenge answer must reach. Returns how many are alive, 0 if unknown. */
  private async heartbeat(): Promise<number> {
    if (this.closed || this.client.status !== 'ready') return 0;
    const alive = await this.client.eval(HEARTBEAT, 1, this.key('replicas'), this.id, String(3 * HEARTBEAT_MS)).catch(() => 0);
    return typeof alive === 'number' ? alive : 0;
  }

  /**
   * Waits (up to LISTENERS_WAIT_MS) until every live replica is subscribed to the events: one whose subscription is
   * still reconnecting after an outage would miss the answer, and the CA's request may reach exactly that one.
   */
  private async everyReplicaListening(): Promise<void> {
    const deadline = Date.now() + LISTENERS_WAIT_MS;
    let alive = 0;
    let listening = 0;
    while (Date.now() < deadline) {
      alive = await this.heartbeat();
      const counts = await this.command(() => this.client.pubsub('NUMSUB', this.key('events')));
      listening = Number(counts[1] ?? 0);
      if (listening >= alive) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    this.deps.log.warn({ resolver: this.resolver }, `${alive} replicas are alive but ${listening} follow ${this.where}: the challenge answer may not reach them all`);
  }

  private async publish(event: StoreEvent): Promise<void> {
    await this.command(() => this.client.publish(this.key('events'), JSON.stringify({ ...event, from: this.id })));
  }

  private receive(message: string): void {
    const event = decodeStoreEvent(message);
    // Not one of ours (another program on this Redis, another version, a hand-typed PUBLISH): every replica reads
    // this channel, so a message that threw here would stop them all at once.
    if (event === null || event.from === this.id) return;
    try {
      this.apply(event);
    } catch (err) {
      // e.g. a TLS-ALPN-01 certificate node cannot load: that challenge is not answered here, the rest goes on.
      this.deps.log.warn({ resolver: this.resolver }, `an event on ${this.key('events')} in ${this.where} was ignored: ${(err as Error).message}`);
    }
  }

  private apply(event: StoreEvent): void {
    const { challenges } = this.deps;
    switch (event.kind) {
      case 'http-01':
        if (event.action === 'present') challenges.setHttp01(event.token, event.domain, event.keyAuthorization);
        else challenges.deleteHttp01(event.token, event.domain);
        return;
      case 'tls-alpn-01':
        if (event.action === 'present') challenges.setTlsAlpn01(event.domain, event.certPem, event.keyPem);
        else challenges.deleteTlsAlpn01(event.domain);
        return;
      case 'certificate':
        void this.storedCertificate(event.key).then(
          (certificate) => this.onChange?.({ account: null, certificates: certificate === null ? [] : [certificate], complete: false }),
          () => undefined,
        );
        return;
      case 'account':
        void this.storedAccount().then((account) => this.onChange?.({ account, certificates: [], complete: false }), () => undefined);
        return;
    }
  }

  /** Everything stored, handed to the resolver (which keeps what is newer on its side). */
  private async resync(): Promise<void> {
    if (this.closed || this.onChange === null) return;
    try {
      const data = await this.readAll();
      this.onChange({ account: data.account, certificates: data.certificates, complete: true });
    } catch {
      // Logged by markDown; the next resync or reconnect tries again.
    }
  }

  private markDown(err: unknown): void {
    if (this.down || this.closed) return;
    this.down = true;
    const reason = err instanceof Error ? err.message : String(err);
    this.deps.log.warn({ resolver: this.resolver }, `ACME certificate store ${this.where} is unreachable (${reason}): serving the certificates held, no order until it is back`);
  }

  private markUp(): void {
    if (!this.down) return;
    this.down = false;
    this.settledAt = Date.now() + SETTLE_AFTER_OUTAGE_MS;
    this.deps.log.info({ resolver: this.resolver }, `ACME certificate store ${this.where} is reachable again`);
    void this.resync();
  }

  private lease(key: string, subject: string): OrderLease {
    const ms = this.config.leaseDuration;
    let lostLogged = false;
    // Renewed while the order runs: a replica that dies stops renewing, and another takes over when it expires.
    const timer = setInterval(() => {
      this.client.eval(EXTEND, 1, key, this.id, String(ms)).then((kept) => {
        if (kept === 1 || lostLogged) return;
        lostLogged = true;
        this.deps.log.warn({ resolver: this.resolver, lease: subject }, `the lease on ${subject} in ${this.where} expired while this replica was ordering: another replica may order it too`);
      }, (err: unknown) => this.markDown(err));
    }, Math.max(Math.floor(ms / 3), 250));
    timer.unref();
    this.renewals.add(timer);
    const run = (script: string, extra: string[]): Promise<void> => {
      clearInterval(timer);
      this.renewals.delete(timer);
      return this.client.eval(script, 1, key, this.id, ...extra).then(() => undefined, (err: unknown) => this.markDown(err));
    };
    return {
      // Not released (Redis away): the lease expires by itself.
      release: () => run(RELEASE, []),
      holdFor: (holdMs) => run(EXTEND, [String(Math.max(1, Math.round(holdMs)))]),
    };
  }
}
