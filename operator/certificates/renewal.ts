// When ACME certificates are renewed (Traefik's getCertificateRenewDurations and renewCertificates)
// and the job that checks them: once at start, then on a schedule.
import cron from 'node-cron';

export interface RenewPolicy {
  /** A certificate is renewed when it expires within this. */
  renewBeforeMs: number;
  /** How often certificates are checked. */
  checkIntervalMs: number;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

/** Traefik's table, from `certificatesDuration` (hours, >= 1; 2160 by default). */
export function renewPolicy(certificatesDurationHours: number): RenewPolicy {
  const h = certificatesDurationHours;
  if (!(h >= 1)) throw new RangeError(`certificatesDuration must be >= 1 (hours), got ${h}`);
  if (h >= 365 * 24) return { renewBeforeMs: 4 * 30 * DAY, checkIntervalMs: WEEK };
  if (h >= 3 * 30 * 24) return { renewBeforeMs: 30 * DAY, checkIntervalMs: DAY };
  if (h >= 30 * 24) return { renewBeforeMs: 10 * DAY, checkIntervalMs: 12 * HOUR };
  if (h >= 7 * 24) return { renewBeforeMs: DAY, checkIntervalMs: HOUR };
  if (h >= 24) return { renewBeforeMs: 6 * HOUR, checkIntervalMs: 10 * MINUTE };
  return { renewBeforeMs: 20 * MINUTE, checkIntervalMs: MINUTE };
}

/** Traefik renews when NotAfter < now + renew period, and any certificate it cannot parse (`null`). */
export function needsRenewal(notAfter: Date | null, now: Date, policy: RenewPolicy): boolean {
  if (notAfter === null || Number.isNaN(notAfter.getTime())) return true;
  return notAfter.getTime() < now.getTime() + policy.renewBeforeMs;
}

/** `first`, `first + step`, ... below `end`, as a cron list. */
function everyFrom(first: number, step: number, end: number): string {
  const values: number[] = [];
  for (let v = first; v < end; v += step) values.push(v);
  return values.join(',');
}

/**
 * A node-cron expression (with seconds) that fires once per check interval at an offset into the
 * interval chosen by `jitter` in [0, 1), so many instances do not reach the CA at the same moment.
 * Intervals are those of `renewPolicy` (or any that divides a minute, an hour or a day, or a week).
 */
export function defaultRenewSchedule(policy: RenewPolicy, jitter: number): string {
  if (!(jitter >= 0 && jitter < 1)) throw new RangeError(`jitter must be in [0, 1), got ${jitter}`);
  const interval = policy.checkIntervalMs;
  const offset = Math.floor((jitter * interval) / SECOND);
  const s = offset % 60;
  const m = Math.floor(offset / 60) % 60;
  const h = Math.floor(offset / 3600) % 24;
  const divides = (unit: number, step: number): boolean => interval <= unit && unit % interval === 0 && interval % step === 0;
  if (interval === WEEK) return `${s} ${m} ${h} * * ${Math.floor(offset / 86400)}`;
  if (divides(DAY, HOUR)) return `${s} ${m} ${everyFrom(h, interval / HOUR, 24)} * * *`;
  if (divides(HOUR, MINUTE)) return `${s} ${everyFrom(m, interval / MINUTE, 60)} * * * *`;
  if (divides(MINUTE, SECOND)) return `${everyFrom(s, interval / SECOND, 60)} * * * * *`;
  throw new RangeError(`no cron expression runs once every ${interval} ms`);
}

export interface RenewalJob {
  stop(): void;
}

export interface RenewalJobOptions {
  /** Any node-cron expression, 5 fields or 6 with seconds. */
  schedule: string;
  check: () => Promise<void>;
  /** Receives every failure of `check`; nothing is thrown. */
  onError: (err: Error) => void;
  /** Check once at start, as Traefik does (default true). */
  runAtStart?: boolean;
  /**
   * The start check waits a random time up to this (default 30 s), so instances restarted together
   * do not reach the CA together. Renewal leaves weeks of margin; a few seconds cost nothing.
   */
  startJitterMs?: number;
}

const DEFAULT_START_JITTER_MS = 30 * SECOND;

/** Throws an Error naming the expression when node-cron cannot read it. */
export function validateRenewSchedule(schedule: string): void {
  const { valid, errors } = cron.validateDetailed(schedule);
  if (!valid) {
    const why = errors.map((e) => e.message).join('; ');
    throw new Error(`invalid renewal schedule "${schedule}"${why === '' ? '' : `: ${why}`}`);
  }
}

/**
 * Runs `check` at start and then on the schedule. A run never overlaps the previous one: a tick that
 * comes while a check is still running is skipped, as Go's ticker drops ticks nobody reads.
 */
export function startRenewalJob(opts: RenewalJobOptions): RenewalJob {
  validateRenewSchedule(opts.schedule);
  let running = false;
  let stopped = false;

  const report = (err: unknown): void => {
    try {
      opts.onError(err instanceof Error ? err : new Error(String(err)));
    } catch {
      // onError is the only way out; a throw from it has nowhere else to go.
    }
  };
  const run = async (): Promise<void> => {
    if (running || stopped) return;
    running = true;
    try {
      await opts.check();
    } catch (err) {
      report(err);
    } finally {
      running = false;
    }
  };

  const task = cron.schedule(opts.schedule, () => void run(), {
    // Timers must not keep a process alive that is otherwise shutting down.
    unref: true,
    // A tick missed while the event loop was busy is harmless: the next one checks the same.
    suppressMissedWarning: true,
    // node-cron would write to the console; nothing of ours reaches it (run never throws), but
    // whatever does goes where the caller reports.
    logger: { info: () => undefined, warn: () => undefined, debug: () => undefined, error: (message) => report(message) },
  });

  let startTimer: NodeJS.Timeout | undefined;
  if (opts.runAtStart ?? true) {
    startTimer = setTimeout(() => void run(), Math.floor(Math.random() * (opts.startJitterMs ?? DEFAULT_START_JITTER_MS)));
    startTimer.unref();
  }

  return {
    stop(): void {
      stopped = true;
      clearTimeout(startTimer);
      void task.destroy();
    },
  };
}
