import type { TcpServerHealthCheck } from '../../labels-spec/dynamic/tcp/index.js';
import { HEALTH_CHECK_INTERVAL_MS, HEALTH_CHECK_TIMEOUT_MS } from '../../labels-spec/dynamic/services/health-check.js';
import type { ProbeSchedule, ServerProbe } from '../services/health/active-health-check.js';
import { joinHostPort, serverAddress } from '../http/host-port.js';
import { dialServer, type TcpDialer } from './tcp-dialer.js';
import { timerMs } from '../timer-bounds.js';

/** Traefik's maxPayloadSize: a longer `send` or `expect` is dropped (connect-only check, no answer awaited). */
export const MAX_TCP_PAYLOAD = 65_535;

/** The probe settings Traefik's NewServiceTCPHealthChecker derives: non-positive times fall back to the defaults. */
export interface TcpProbeOptions extends ProbeSchedule {
  readonly timeout: number;
  readonly port: number;
  readonly send: string;
  readonly expect: string;
}

/** `check` as Traefik runs it, and the messages of what it had to correct (each names the option). */
export function tcpProbeOptions(check: TcpServerHealthCheck): { options: TcpProbeOptions; corrections: string[] } {
  const corrections: string[] = [];
  const positive = (value: number | undefined, fallback: number, key: string): number => {
    if (value === undefined || value > 0) return value ?? fallback;
    corrections.push(`loadBalancer.healthCheck.${key} must be greater than zero; the default (${fallback / 1000}s) is used`);
    return fallback;
  };
  const interval = positive(check.interval, HEALTH_CHECK_INTERVAL_MS, 'interval');
  const payload = (value: string | undefined, key: string, instead: string): string => {
    if (value === undefined || Buffer.byteLength(value) <= MAX_TCP_PAYLOAD) return value ?? '';
    corrections.push(`loadBalancer.healthCheck.${key} is longer than ${MAX_TCP_PAYLOAD} bytes; ${instead}`);
    return '';
  };
  return {
    options: {
      interval,
      unhealthyInterval: check.unhealthyInterval === undefined ? interval : positive(check.unhealthyInterval, HEALTH_CHECK_INTERVAL_MS, 'unhealthyInterval'),
      timeout: positive(check.timeout, HEALTH_CHECK_TIMEOUT_MS, 'timeout'),
      port: check.port ?? 0,
      send: payload(check.send, 'send', 'the check only connects'),
      expect: payload(check.expect, 'expect', 'no answer is awaited'),
    },
    corrections,
  };
}

/**
 * Traefik's executeHealthCheck: dial the server (its `port` replaced when set) with the service's dialer, TLS
 * included for a `tls: true` server, within `timeout`; write `send`; read as many bytes as `expect` has and
 * compare. Any failure, or the deadline, is DOWN.
 */
export function tcpHealthProbe(o: TcpProbeOptions, dialer: TcpDialer, tlsServers: ReadonlySet<string>): ServerProbe {
  return (address) => new Promise((resolve) => {
    const target = serverAddress(address);
    if (typeof target === 'string') {
      resolve({ up: false, reason: `parsing address "${address}": not host:port (${target})` });
      return;
    }
    const port = o.port !== 0 ? o.port : target.port;
    const where = joinHostPort(target.host, port);
    let socket: { destroy(): void } | null = null;
    let settled = false;
    const finish = (up: boolean, reason: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket?.destroy();
      resolve({ up, reason });
    };
    const timer = setTimeout(() => finish(false, `${where}: i/o timeout after ${o.timeout} ms`), timerMs(o.timeout));
    dialServer(dialer, { host: target.host, port, tls: tlsServers.has(address) }, null, (err, connected) => {
      if (err !== null || connected === undefined) return finish(false, `connecting to ${where}: ${err?.message ?? 'no connection'}`);
      if (settled) return void connected.destroy();
      socket = connected;
      connected.on('error', (e: Error) => finish(false, `${where}: ${e.message}`));
      if (o.send !== '') connected.write(o.send);
      if (o.expect === '') return finish(true, 'connected');
      const want = Buffer.from(o.expect);
      let got = Buffer.alloc(0);
      connected.on('data', (chunk: Buffer) => {
        got = Buffer.concat([got, chunk]);
        if (got.length < want.length) return;
        if (got.subarray(0, want.length).equals(want)) finish(true, 'expected answer');
        else finish(false, `${where}: unexpected health check response`);
      });
      connected.on('end', () => finish(false, `reading from ${where}: EOF`));
    });
  });
}
