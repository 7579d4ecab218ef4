/**
 * The longest delay a node timer keeps: setTimeout runs a longer one after 1 ms (TimeoutOverflowWarning), and
 * socket.setTimeout cuts it to this. Go's deadlines take any duration, so Traefik's "720h" must mean "720h" here too:
 * 24.8 days is as good as that for a connection's deadline.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A configured duration in ms as a timer can wait it (0, "none", stays 0): every timer armed from the configuration
 * (entrypoints, health checks, serversTransports, TCP and UDP, retry, rateLimit's delay) takes its delay through this.
 */
export function timerMs(ms: number): number {
  return Math.min(ms, MAX_TIMER_MS);
}

/** An entrypoint's transport durations, each as a timer can wait it: every timer the entrypoint arms reads these. */
export function withTimerBounds<T extends { readTimeout: number; idleTimeout: number; writeTimeout: number; graceTimeOut: number; requestAcceptGraceTimeout: number }>(options: T): T {
  return {
    ...options,
    readTimeout: timerMs(options.readTimeout),
    idleTimeout: timerMs(options.idleTimeout),
    writeTimeout: timerMs(options.writeTimeout),
    graceTimeOut: timerMs(options.graceTimeOut),
    requestAcceptGraceTimeout: timerMs(options.requestAcceptGraceTimeout),
  };
}
