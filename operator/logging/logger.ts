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

/** A console value: bare when it reads unambiguously, quoted otherwise. */
function consoleValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'object' && value !== null) {
    const message = (value as { message?: unknown }).message;
    if (typeof message === 'string') return consoleValue(message); // a serialized error
    return JSON.stringify(value);
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
  if (message !== undefined && message !== '') parts.push(String(message));
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
