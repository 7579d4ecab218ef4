import { createHmac, randomBytes } from 'node:crypto';
import type tls from 'node:tls';

/**
 * For tests only, not a user option: the rotation period in ms, clamped to 1 s .. 24 h. Read once per process;
 * workers inherit it from the primary's environment. Tickets keep their 24 h lifetime (sessionTimeout), so a test
 * that sees an old ticket refused sees the rotation, not the ticket's expiry.
 */
export const TICKET_ROTATION_TEST_ENV = 'PE_EDGE_TLS_TICKET_ROTATION_MS';

/** How long one key encrypts tickets: Go's crypto/tls (Traefik) rotates its automatic keys every 24 h too. */
export const TICKET_ROTATION_MS = 24 * 60 * 60 * 1000;
const MIN_TEST_ROTATION_MS = 1000;

const STEP_LABEL = 'pe-edge TLS session ticket key, next period';

/**
 * The key of the next period: the first 48 bytes of HMAC-SHA-512 keyed with this one. One way: a key read from a
 * process's memory gives the keys of later periods, never those of earlier ones, so the tickets (and the TLS 1.2
 * master secrets inside them) of earlier periods stay sealed.
 */
export function nextTicketKey(key: Buffer): Buffer {
  const digest = createHmac('sha512', key).update(STEP_LABEL).digest();
  const next = ownKeyCopy(digest);
  digest.fill(0);
  return next;
}

/**
 * The first 48 bytes of `from` in memory of their own: not a slice of node's shared pool, where zeroing them later
 * could not be relied on and other buffers' bytes lie beside them.
 */
function ownKeyCopy(from: Buffer): Buffer {
  const copy = Buffer.allocUnsafeSlow(48);
  from.copy(copy, 0, 0, 48);
  return copy;
}

/** The period for this process: 24 h, or TICKET_ROTATION_TEST_ENV's value (tests), clamped to 1 s .. 24 h. */
export function rotationPeriod(testValue: string | undefined): number {
  const ms = testValue === undefined || testValue.trim() === '' ? NaN : Number(testValue);
  if (!Number.isFinite(ms)) return TICKET_ROTATION_MS;
  return Math.min(Math.max(Math.floor(ms), MIN_TEST_ROTATION_MS), TICKET_ROTATION_MS);
}

/** The 48 bytes current now, and when their period began (epoch ms). */
interface Period {
  key: Buffer;
  start: number;
}

let current: Period | undefined;
/** This process's rotation period, read once: workers inherit the primary's environment. */
const period = rotationPeriod(process.env[TICKET_ROTATION_TEST_ENV]);
/** Every TLS server given the keys, told each new one (weakly held: a reload's TCP terminations are dropped). */
const followers = new Set<WeakRef<tls.Server>>();
let pruneAt = 64;

/**
 * Options for every TLS listener of this process: the key it encrypts session tickets with (node's `ticketKeys`),
 * so a client's ticket is read by whichever context took the connection, and tickets valid for a whole period.
 * Left to node, every secure context draws random keys of its own: a reload that replaced an entrypoint's context,
 * or a reconnection that reached another worker of `--workers`, found the client's ticket unreadable and cost it a
 * full handshake (with two workers taking connections in turn, none of 20 reconnections resumed). The key is drawn
 * once per process, or taken from the primary under `--workers` with the start of its period (adoptTicketKeys, over
 * the cluster's IPC channel: never the environment, which /proc/<pid>/environ shows for the process's whole life);
 * every process steps it forward (nextTicketKey) at the same boundaries, every 24 h, without a message, and zeroes
 * the old one (best effort: node keeps copies of its own in contexts it frees later, and IPC's strings). Tickets
 * live 24 h, as long as their key may be current (Go's keys encrypt 24 h, its tickets live 7 days); node's default
 * is OpenSSL's 7,200 s (its documentation says 300). Pass the server to followTicketKeys once created.
 */
export function ticketOptions(): { ticketKeys: Buffer; sessionTimeout: number } {
  const { key } = state();
  return { ticketKeys: ownKeyCopy(key), sessionTimeout: TICKET_ROTATION_MS / 1000 };
}

/**
 * `server` gets every later key (setTicketKeys) until it is garbage. Its `ticketKeys` field is replaced too: node's
 * setSecureContext (a reload) rebuilds the context from that field, and setTicketKeys leaves it at the first key.
 */
export function followTicketKeys(server: tls.Server): void {
  state();
  followers.add(new WeakRef(server));
  if (followers.size >= pruneAt) {
    for (const ref of followers) if (ref.deref() === undefined) followers.delete(ref);
    pruneAt = Math.max(64, 2 * followers.size);
  }
  give(server, current as Period);
}

/** The primary's current key (base64) and the start of its period (epoch ms), as a worker asks for them over IPC. */
export interface TicketKeysHandOff {
  readonly key: string;
  readonly start: number;
}

/**
 * What the primary of `--workers` answers a worker asking for the keys: its current key and the start of its period
 * (the primary steps its key at the same boundaries, so a worker started later gets the key of that time).
 */
export function ticketKeysHandOff(): TicketKeysHandOff {
  const { key, start } = state();
  return { key: key.toString('base64'), start };
}

/**
 * A worker takes the primary's key and period start (before any TLS server is made), then steps over the periods
 * passed since. Throws on anything else: a start more than three periods back or a minute ahead, or not 48 bytes.
 */
export function adoptTicketKeys(handOff: unknown): void {
  if (current !== undefined) throw new Error('TLS session-ticket keys: adopted after this process drew its own');
  const now = Date.now();
  const { key, start } = (typeof handOff === 'object' && handOff !== null ? handOff : {}) as Partial<Record<keyof TicketKeysHandOff, unknown>>;
  const decoded = typeof key === 'string' ? Buffer.from(key, 'base64') : null;
  if (decoded === null || decoded.length !== 48 || typeof start !== 'number' || !Number.isSafeInteger(start) || start > now + 60_000 || start < now - 3 * period) {
    throw new Error('TLS session-ticket keys: the primary handed no usable key and period start');
  }
  current = { key: ownKeyCopy(decoded), start };
  decoded.fill(0);
  advance(now);
  schedule();
}

function state(): Period {
  if (current === undefined) {
    current = { key: randomBytes(48), start: Date.now() };
    schedule();
  }
  return current;
}

/** Steps the key over every boundary passed by `now`, then gives the new one to every follower. */
function advance(now: number): void {
  let at = current as Period;
  if (now - at.start < period) return;
  while (now - at.start >= period) {
    const next = { key: nextTicketKey(at.key), start: at.start + period };
    at.key.fill(0);
    at = next;
  }
  current = at;
  for (const ref of followers) {
    const server = ref.deref();
    if (server === undefined) followers.delete(ref);
    else give(server, at);
  }
}

function give(server: tls.Server, { key }: Period): void {
  server.setTicketKeys(key);
  // A copy for node's field (ours is zeroed at the next step); the copy it replaces is zeroed now.
  const previous: unknown = Reflect.get(server, 'ticketKeys');
  const copy = ownKeyCopy(key);
  Object.assign(server, { ticketKeys: copy });
  if (Buffer.isBuffer(previous)) previous.fill(0);
}

/** At the next boundary (never later than a period from now, should the clock have gone back), step. */
function schedule(): void {
  const { start } = current as Period;
  const delay = Math.min(Math.max(start + period - Date.now(), 0), period);
  setTimeout(() => {
    advance(Date.now());
    schedule();
  }, delay).unref();
}
