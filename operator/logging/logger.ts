// The process logger from the static `log` section. JSON lines follow Traefik's zerolog output
// ({"level":"info","time":...,"message":...}); `common` is zerolog's console line
// (`2026-11-25T14:00:00Z INF message key=value`), written by a small formatter, no pino-pretty.
import pino, { type Logger } from 'pino';
import { boundedDestination } from '../../proxy/observability/log-destination.js';

export interface LogSettings {
  /** TRACE, DEBUG, INFO, WARN, ERROR (default), FATAL, PANIC; any case. */
  level?: string;
  format?: 'common' | 'json' | string;
  /** Empty or absent: stdout. */
  filePath?: string;
  noColor?: boolean;
}

/** Where finished lines go (tests pass their own). */
export interface LogSink {
  write(line: string): unknown;
}

// pino has no panic level; a Go panic is logged and then the process dies, as fatal does.
const LEVELS: Record<string, pino.Level> = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  error: 'error',
  fatal: 'fatal',
  panic: 'fatal',
};

const ABBREVIATIONS: Record<string, string> = {
  trace: 'TRC',
  debug: 'DBG',
  info: 'INF',
  warn: 'WRN',
  error: 'ERR',
  fatal: 'FTL',
};

const rfc3339Now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/**
 * Control characters (C0, DEL, C1) as JSON escapes. A container's label key reaches messages as written, and the
 * engine accepts any key through its API: a `\n` in one started a forged line of its own in the console log, an
 * ANSI escape drove the terminal reading it.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f-\x9f]/g;
const escapeControl = (c: string): string => JSON.stringify(c).slice(1, -1).replace(/^[\x7f-\x9f]$/, (d) => `\\u00${d.charCodeAt(0).toString(16)}`);
const withoutControls = (text: string): string => text.replace(CONTROL, escapeControl);

/** A console value: bare when it reads unambiguously, quoted (zerolog's needsQuote) otherwise, control characters escaped. */
function consoleValue(value: unknown): string {
  // eslint-disable-next-line no-control-regex
  if (typeof value === 'string') return /^[^\s"=\\\x00-\x1f\x7f-\x9f]+$/.test(value) ? value : withoutControls(JSON.stringify(value));
  if (typeof value === 'object' && value !== null) {
    const message = (value as { message?: unknown }).message;
    if (typeof message === 'string') return consoleValue(message); // a serialized error
    return withoutControls(JSON.stringify(value));
  }
  return String(value);
}

/** JSON line from pino -> `time LVL message key=value ...` (keys sorted, as zerolog's console writer). */
export function toCommonLine(jsonLine: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(jsonLine) as Record<string, unknown>;
  } catch {
    return jsonLine;
  }
  const { time, level, message, ...fields } = record;
  const parts = [String(time ?? rfc3339Now()), ABBREVIATIONS[String(level)] ?? '???'];
  if (message !== undefined && message !== '') parts.push(withoutControls(String(message)));
  for (const key of Object.keys(fields).sort()) {
    const name = key === 'err' ? 'error' : key;
    parts.push(`${name}=${consoleValue(fields[key])}`);
  }
  return `${parts.join(' ')}\n`;
}

export function createLogger(cfg: LogSettings | undefined, opts: { sink?: LogSink } = {}): Logger {
  const requested = (cfg?.level ?? 'ERROR').toLowerCase();
  const level = LEVELS[requested];
  const sink: LogSink = opts.sink ?? boundedDestination(cfg?.filePath || 1, 'log');
  const destination: LogSink = cfg?.format?.toLowerCase() === 'json' ? sink : { write: (line: string) => sink.write(toCommonLine(line)) };
  const logger = pino(
    {
      level: level ?? 'error',
      base: undefined,
      messageKey: 'message',
      timestamp: () => `,"time":"${rfc3339Now()}"`,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  // Traefik does the same: an unknown level is reported and ERROR is used.
  if (level === undefined) logger.error({ logLevel: cfg?.level }, 'Unspecified or invalid log level, setting the level to default (ERROR)...');
  return logger;
}
