// Traefik's access log (pkg/middlewares/accesslog): the Common Log Format line with Traefik's
// extra fields, or logrus-style JSON. The formatter, the kept fields and the filter are all
// decided once at creation; a request only fills a plain record and pays for one line.
import { boundedDestination } from './log-destination.js';
import { canonicalHeaderKey } from '../http/go-text.js';
import { inStatusRanges, parseStatusRanges } from '../http/status-ranges.js';
import { splitHostPort } from '../http/host-port.js';

/** What the request path hands over when a response is done. Absent values print `-`. */
export interface AccessLogEntry {
  start: Date;
  durationNs: number;
  /** Peer `ip:port`. */
  clientAddr: string;
  /** X-Forwarded-For as trusted by the entrypoint, else the peer IP. */
  clientHost: string;
  clientPort: string | number;
  username?: string;
  method: string;
  /** Path plus `?query`. */
  path: string;
  /** `HTTP/1.1`, `HTTP/2.0`. */
  protocol: string;
  /** The Host header (or :authority), port included. */
  host: string;
  scheme?: 'http' | 'https';
  requestContentSize?: number;
  status: number;
  /** Bytes sent to the client. */
  size: number;
  referer?: string;
  userAgent?: string;
  requestCount: number;
  routerName?: string;
  serviceName?: string;
  serviceUrl?: string;
  originStatus?: number;
  originDurationNs?: number;
  originContentSize?: number;
  retryAttempts?: number;
  /** `1.3`, as Traefik prints it. */
  tlsVersion?: string;
  tlsCipher?: string;
  /** Every request header (json format, headers kept by mode); without it, Referer and User-Agent above. */
  requestHeaders?: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The response head as sent to the client (`downstream_<Name>` fields). */
  downstreamHeaders?: Readonly<Record<string, string | number | readonly string[] | undefined>> | null;
  /** The server's response head as received, hop-by-hop headers removed (`origin_<Name>` fields); none when no server answered. */
  originHeaders?: Readonly<Record<string, string | number | readonly string[] | undefined>> | null;
}

export type FieldMode = 'keep' | 'drop';
export type HeaderMode = 'keep' | 'drop' | 'redact';

export interface AccessLogConfig {
  filePath?: string;
  /** `genericCLF` is common without Traefik's four extra fields; unknown formats fall back to common, as Traefik does. */
  format?: 'common' | 'genericCLF' | 'json' | string;
  filters?: { statusCodes?: string[]; retryAttempts?: boolean; /** ms */ minDuration?: number };
  /** Traefik's channel size: above 0, up to that many lines are held and written together, after the request. */
  bufferingSize?: number;
  fields?: {
    defaultMode?: FieldMode;
    names?: Record<string, FieldMode>;
    headers?: { defaultMode?: HeaderMode; names?: Record<string, HeaderMode> };
    /** v3.7: `drop` logs RequestPath without its query (tokens, e-mail addresses in URLs stay out of the log). */
    queryParameters?: { defaultMode?: FieldMode };
  };
}

export interface AccessLog {
  log(entry: AccessLogEntry): void;
  /** Whether the format logs header fields: then the hook hands over whole request and response heads. */
  readonly wantsHeaders: boolean;
  /** Reopens the file (Traefik does this on SIGUSR1, for logrotate). */
  reopen(): void;
  /** Writes out what is buffered; with a file, closes it. */
  close(): Promise<void>;
}

/** Where lines go: a SonicBoom from pino.destination, or anything with write() (tests). */
export interface LineSink {
  write(line: string): unknown;
}

type Getter = (e: AccessLogEntry) => string | number | undefined;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** Go's `02/Jan/2006:15:04:05 -0700` of a UTC time. */
function clfTime(d: Date): string {
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

/** Go's RFC3339Nano: fraction without trailing zeros, none when zero. */
function rfc3339Nano(d: Date, local: boolean): string {
  const offsetMin = local ? -d.getTimezoneOffset() : 0;
  const shifted = new Date(d.getTime() + offsetMin * 60_000);
  const iso = shifted.toISOString(); // 2026-11-25T14:00:00.120Z
  // The milliseconds without trailing zeros, none (and no dot) when zero.
  let end = 23;
  while (end > 20 && iso.charCodeAt(end - 1) === 48 /* 0 */) end--;
  const fraction = end === 20 ? '' : iso.slice(19, end);
  const zone =
    offsetMin === 0 && !local
      ? 'Z'
      : offsetMin === 0
        ? '+00:00'
        : `${offsetMin > 0 ? '+' : '-'}${pad(Math.floor(Math.abs(offsetMin) / 60))}:${pad(Math.abs(offsetMin) % 60)}`;
  return `${iso.slice(0, 19)}${fraction}${zone}`;
}

/** Traefik's silentSplitHostPort: Go's SplitHostPort, or the whole value and '-' where it fails (no port). */
function silentSplitHostPort(hostPort: string): [string, string] {
  const split = splitHostPort(hostPort);
  return typeof split === 'string' ? [hostPort, '-'] : [split.host, split.port];
}

/** `http://10.0.0.2:80/x` -> `10.0.0.2:80` (url.Host in Go). */
function urlHost(url: string): string {
  const start = url.indexOf('://');
  const from = start === -1 ? 0 : start + 3;
  const end = url.indexOf('/', from);
  return end === -1 ? url.slice(from) : url.slice(from, end);
}

const overhead = (e: AccessLogEntry): number => e.durationNs - (e.originDurationNs ?? 0);

/** Traefik's field names and how to read each from an entry. */
const FIELDS: Record<string, Getter> = {
  StartUTC: (e) => rfc3339Nano(e.start, false),
  StartLocal: (e) => rfc3339Nano(e.start, true),
  Duration: (e) => e.durationNs,
  RouterName: (e) => e.routerName || undefined,
  ServiceName: (e) => e.serviceName || undefined,
  ServiceURL: (e) => e.serviceUrl || undefined,
  ServiceAddr: (e) => (e.serviceUrl ? urlHost(e.serviceUrl) : undefined),
  ClientAddr: (e) => e.clientAddr,
  ClientHost: (e) => e.clientHost,
  ClientPort: (e) => String(e.clientPort),
  ClientUsername: (e) => e.username || '-',
  RequestAddr: (e) => e.host,
  RequestHost: (e) => silentSplitHostPort(e.host)[0],
  RequestPort: (e) => silentSplitHostPort(e.host)[1],
  RequestMethod: (e) => e.method,
  RequestPath: (e) => e.path,
  RequestProtocol: (e) => e.protocol,
  RequestScheme: (e) => e.scheme ?? 'http',
  RequestContentSize: (e) => e.requestContentSize ?? 0,
  RequestCount: (e) => e.requestCount,
  OriginDuration: (e) => e.originDurationNs,
  OriginContentSize: (e) => e.originContentSize,
  OriginStatus: (e) => e.originStatus,
  DownstreamStatus: (e) => e.status,
  DownstreamContentSize: (e) => e.size,
  GzipRatio: (e) => (e.originContentSize && e.size ? e.originContentSize / e.size : 0),
  Overhead: overhead,
  RetryAttempts: (e) => e.retryAttempts ?? 0,
  TLSVersion: (e) => e.tlsVersion,
  TLSCipher: (e) => e.tlsCipher,
};

const HEADERS: Record<string, Getter> = {
  Referer: (e) => e.referer,
  'User-Agent': (e) => e.userAgent,
};

/**
 * pe-edge departs from Traefik here: a header kept by `headers.defaultMode: keep` (or `redact`) that carries
 * credentials is logged as REDACTED unless `headers.names` names it. Traefik keeps them too (it has no such list).
 */
const REDACTED_UNLESS_NAMED = new Set(['authorization', 'cookie', 'set-cookie']);

type HeaderModeOf = (lowerName: string) => HeaderMode;

/** The mode of each header by name, or null when no header is ever logged (the default: drop all). */
function headerModes(headers: NonNullable<AccessLogConfig['fields']>['headers']): HeaderModeOf | null {
  const fallback = headers?.defaultMode ?? 'drop';
  const named = new Map(Object.entries(headers?.names ?? {}).map(([name, mode]) => [name.toLowerCase(), mode]));
  if (fallback === 'drop' && ![...named.values()].some((m) => m !== 'drop')) return null;
  return (name) => named.get(name) ?? (fallback === 'keep' && REDACTED_UNLESS_NAMED.has(name) ? 'redact' : fallback);
}

/** `request_<Name>`, `origin_<Name>` and `downstream_<Name>` fields by mode; values of a repeated header joined by commas, as Traefik. */
function addHeaderFields(record: Record<string, string | number>, prefix: string, headers: Readonly<Record<string, string | number | readonly string[] | undefined>>, modeOf: HeaderModeOf): void {
  for (const [name, value] of Object.entries(headers)) {
    // HTTP/2 pseudo-headers (:path, :authority) are not headers in Go's http.Header.
    if (value === undefined || name.startsWith(':')) continue;
    const mode = modeOf(name);
    if (mode === 'drop') continue;
    record[prefix + canonicalHeaderKey(name)] = mode === 'redact' ? 'REDACTED' : typeof value === 'object' ? value.join(',') : String(value);
  }
}

/** Case-insensitive lookup in a user map of modes. */
function modeOf<M extends string>(names: Record<string, M> | undefined, key: string, fallback: M): M {
  if (!names) return fallback;
  const lower = key.toLowerCase();
  for (const [name, mode] of Object.entries(names)) if (name.toLowerCase() === lower) return mode;
  return fallback;
}

/** RequestPath under queryParameters drop: Traefik's URL copy with an empty RawQuery (a bare trailing `?` goes too). */
const pathWithoutQuery: Getter = (e) => {
  const at = e.path.indexOf('?');
  return at === -1 ? e.path : e.path.slice(0, at);
};

/** The kept fields, in the order Go's encoding/json writes map keys (byte order). */
function keptGetters(fields: AccessLogConfig['fields']): [string, Getter][] {
  const kept: [string, Getter][] = [];
  const dropQuery = fields?.queryParameters?.defaultMode === 'drop';
  for (const [name, get] of Object.entries(FIELDS)) {
    if (modeOf(fields?.names, name, fields?.defaultMode ?? 'keep') !== 'keep') continue;
    kept.push([name, name === 'RequestPath' && dropQuery ? pathWithoutQuery : get]);
  }
  for (const [header, get] of Object.entries(HEADERS)) {
    const mode = modeOf(fields?.headers?.names, header, fields?.headers?.defaultMode ?? 'drop');
    if (mode === 'keep') kept.push([`request_${header}`, get]);
    if (mode === 'redact') kept.push([`request_${header}`, (e) => (get(e) === undefined ? undefined : 'REDACTED')]);
  }
  return kept.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Go's RFC3339 of now (whole seconds, UTC), made once per second. */
let nowSecond = NaN;
let nowText = '';
const nowRfc3339 = (): string => {
  const second = Math.floor(Date.now() / 1000);
  if (second !== nowSecond) {
    nowSecond = second;
    nowText = new Date(second * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  }
  return nowText;
};

/** A value as JSON.stringify writes it inside an object (numbers as Number#toString, non-finite ones null). */
function jsonValue(value: string | number): string {
  return typeof value === 'number' ? (Number.isFinite(value) ? String(value) : 'null') : JSON.stringify(value);
}

export function jsonFormatter(fields?: AccessLogConfig['fields']): (e: AccessLogEntry) => string {
  const modeOf = headerModes(fields?.headers);
  // Header fields come from the whole request and response heads when the entry has them.
  const kept = modeOf === null ? keptGetters(fields) : keptGetters({ ...fields, headers: { defaultMode: 'drop' } });
  // level, msg and time sort after the capitalised fields and around the request_ headers.
  const getters: [string, Getter][] = [...kept, ['level', () => 'info'], ['msg', () => ''], ['time', nowRfc3339]];
  getters.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const fixed = (e: AccessLogEntry, record: Record<string, string | number>): void => {
    for (const [name, get] of getters) {
      const value = get(e);
      if (value !== undefined) record[name] = value;
    }
  };
  if (modeOf === null) {
    // The line JSON.stringify would make of the record (keys in the getters' order, none of them integer-like, so
    // insertion order), written straight: no record object per request.
    const names = getters.map(([name]) => `${JSON.stringify(name)}:`);
    const gets = getters.map(([, get]) => get);
    return (e) => {
      let line = '{';
      let first = true;
      for (let i = 0; i < gets.length; i++) {
        const value = (gets[i] as Getter)(e);
        if (value === undefined) continue;
        line += (first ? '' : ',') + (names[i] as string) + jsonValue(value);
        first = false;
      }
      return `${line}}\n`;
    };
  }
  return (e) => {
    const record: Record<string, string | number> = {};
    fixed(e, record);
    addHeaderFields(record, 'request_', e.requestHeaders ?? { referer: e.referer, 'user-agent': e.userAgent }, modeOf);
    if (e.originHeaders) addHeaderFields(record, 'origin_', e.originHeaders, modeOf);
    if (e.downstreamHeaders) addHeaderFields(record, 'downstream_', e.downstreamHeaders, modeOf);
    // Go's encoding/json writes map keys in byte order.
    const sorted: Record<string, string | number> = {};
    for (const key of Object.keys(record).sort()) sorted[key] = record[key] as string | number;
    return `${JSON.stringify(sorted)}\n`;
  };
}

/**
 * What in a client's text could end a common-format field or line, or drive the terminal showing it: C0 and DEL.
 * Not 0x80-0x9f: header values hold one character a byte, and those are UTF-8's continuation bytes.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE_IN_LINE = /[\x00-\x1f\x7f"\\]/;
// eslint-disable-next-line no-control-regex
const UNSAFE_IN_LINE_ALL = /[\x00-\x1f\x7f"\\]/g;
const escapeInLine = (c: string): string =>
  c === '"' || c === '\\' ? `\\${c}` : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;

/**
 * A value as the common format writes it. Traefik (v3.6.18) writes `"` in a quoted field as `\"`; pe-edge does so in
 * every field, writes `\` as `\\` (else `x\"` would end the field again for a reader that unescapes) and a control
 * character (C0, DEL) as `\xHH`, as Apache's log does: Traefik writes a basicAuth user's claimed name raw, so a
 * client's `\n` there started a forged line of its own and an ANSI escape reached the terminal reading the log.
 */
function inLine(v: string | number): string {
  if (typeof v === 'number') return String(v);
  return UNSAFE_IN_LINE.test(v) ? v.replace(UNSAFE_IN_LINE_ALL, escapeInLine) : v;
}

export function commonFormatter(fields?: AccessLogConfig['fields'], generic = false): (e: AccessLogEntry) => string {
  const kept = new Map(keptGetters(fields));
  const get = (name: string): Getter => kept.get(name) ?? (() => undefined);
  const plain = (g: Getter) => (e: AccessLogEntry): string => {
    const v = g(e);
    return v === undefined || v === '' ? '-' : inLine(v);
  };
  const quoted = (g: Getter) => (e: AccessLogEntry): string => {
    const v = g(e);
    return v === undefined || v === '' ? '"-"' : `"${inLine(v)}"`;
  };
  const host = plain(get('ClientHost'));
  const user = plain(get('ClientUsername'));
  const keepStart = kept.has('StartUTC') || kept.has('StartLocal');
  const method = plain(get('RequestMethod'));
  const path = plain(get('RequestPath'));
  const protocol = plain(get('RequestProtocol'));
  const status = plain(get('DownstreamStatus'));
  const size = plain(get('DownstreamContentSize'));
  const referer = quoted(get('request_Referer'));
  const agent = quoted(get('request_User-Agent'));
  const count = plain(get('RequestCount'));
  const router = quoted(get('RouterName'));
  const serviceUrl = quoted(get('ServiceURL'));
  const keepDuration = kept.has('Duration');
  if (generic) {
    return (e) =>
      `${host(e)} - ${user(e)} [${keepStart ? clfTime(e.start) : '-'}] "${method(e)} ${path(e)} ${protocol(e)}" ${status(e)} ${size(e)} ${referer(e)} ${agent(e)}\n`;
  }
  return (e) =>
    `${host(e)} - ${user(e)} [${keepStart ? clfTime(e.start) : '-'}] "${method(e)} ${path(e)} ${protocol(e)}" ${status(e)} ${size(e)} ` +
    `${referer(e)} ${agent(e)} ${count(e)} ${router(e)} ${serviceUrl(e)} ${keepDuration ? Math.floor(e.durationNs / 1e6) : 0}ms\n`;
}

/** Filters are OR-ed; with none set every request is logged. Throws on a bad status range. */
export function accessLogFilter(filters: AccessLogConfig['filters']): ((e: AccessLogEntry) => boolean) | undefined {
  const ranges = parseStatusRanges(filters?.statusCodes ?? [], 'accessLog.filters.statusCodes');
  const retries = filters?.retryAttempts === true;
  const minNs = (filters?.minDuration ?? 0) * 1e6;
  if (ranges.length === 0 && !retries && minNs <= 0) return undefined;
  return (e) =>
    inStatusRanges(ranges, e.status) || (retries && (e.retryAttempts ?? 0) > 0) || (minNs > 0 && e.durationNs > minNs);
}

/**
 * The access log for `cfg`, or null when there is none (the section is absent). Lines are
 * written through a non-blocking SonicBoom (stdout or the file), never with sync fs calls.
 */
export function createAccessLog(
  cfg: AccessLogConfig | undefined,
  opts: { sink?: LineSink; onError?: (err: Error) => void } = {},
): AccessLog | null {
  if (cfg === undefined) return null;
  const { sink } = opts;
  const format = cfg.format === 'json' ? jsonFormatter(cfg.fields) : commonFormatter(cfg.fields, cfg.format === 'genericCLF');
  const keep = accessLogFilter(cfg.filters);
  const boom = sink ? undefined : boundedDestination(cfg.filePath || 1, 'access');
  // An unwritable file must not crash the proxy through an unhandled 'error' event.
  boom?.on('error', opts.onError ?? ((err: Error) => process.stderr.write(`accessLog: ${err.message}\n`)));
  const out: LineSink = sink ?? (boom as LineSink);
  const buffer = (cfg.bufferingSize ?? 0) > 0 ? new LineBuffer(cfg.bufferingSize as number, format, out) : null;
  const write = buffer !== null ? (e: AccessLogEntry) => buffer.add(e) : (e: AccessLogEntry) => out.write(format(e));
  return {
    wantsHeaders: cfg.format === 'json' && headerModes(cfg.fields?.headers) !== null,
    log: keep
      ? (e) => {
          if (keep(e)) write(e);
        }
      : write,
    reopen: () => {
      // Lines of requests done before the signal go to the file being rotated away.
      buffer?.flush();
      if (boom && cfg.filePath) boom.reopen();
    },
    close: () =>
      new Promise<void>((resolve) => {
        buffer?.flush();
        if (!boom) return resolve();
        if (!cfg.filePath) return boom.flush(() => resolve());
        boom.once('close', () => resolve());
        boom.end();
      }),
  };
}

/**
 * accessLog.bufferingSize, Traefik's channel between requests and the one goroutine that writes: entries wait in
 * memory, are formatted once the event loop is free (or when `size` are waiting, where Go's channel would block
 * the request) and go out in one write.
 */
class LineBuffer {
  private readonly pending: AccessLogEntry[] = [];
  private scheduled = false;

  constructor(private readonly size: number, private readonly format: (e: AccessLogEntry) => string, private readonly out: LineSink) {}

  add(e: AccessLogEntry): void {
    this.pending.push(e);
    if (this.pending.length >= this.size) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushLater);
    }
  }

  private readonly flushLater = (): void => {
    this.scheduled = false;
    this.flush();
  };

  flush(): void {
    if (this.pending.length === 0) return;
    let lines = '';
    for (const e of this.pending) lines += this.format(e);
    this.pending.length = 0;
    this.out.write(lines);
  }
}
