import pino from 'pino';

/** What a log destination holds while its reader lags (a stalled `docker logs` pipe, a slow disk); past it, lines are dropped. */
export const LOG_BUFFER_MAX_BYTES = 16 * 1024 * 1024;

/** Which of pe-edge's two logs a destination writes: Traefik's `log` or its `accessLog`. */
export type LogKind = 'log' | 'access';

/** Lines dropped so far in this process, per log (pe_edge_log_lines_dropped_total reads them at scrape time). */
export const droppedLogLines: Record<LogKind, number> = { log: 0, access: 0 };

export type LogDestination = ReturnType<typeof pino.destination>;

/**
 * A non-blocking destination (stdout or a file) with bounded memory. SonicBoom queues every line its reader has
 * not taken yet, without limit by default: a log consumer that stalls would grow pe-edge until it is killed.
 * Past `maxBytes` a line is dropped and counted instead. (Traefik's Go writer blocks on such a pipe instead, and
 * its requests with it.) Nothing is written to stderr about it: on a pipe node writes stderr synchronously, and
 * a stalled stderr would then stop the proxy.
 */
export function boundedDestination(dest: string | number, kind: LogKind, maxBytes = LOG_BUFFER_MAX_BYTES): LogDestination {
  const boom = pino.destination({ dest, sync: false, mkdir: true, append: true, maxLength: maxBytes });
  boom.on('drop', () => {
    droppedLogLines[kind]++;
  });
  return boom;
}
