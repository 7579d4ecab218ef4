import { H2CClient, request, type Agent } from 'undici';
import type { UpstreamTransport } from '../../forward/upstream-transport.js';
import type { HealthCheckOptions, ServerProbe } from './active-health-check.js';
import { probeGrpcHealth } from './grpc-health-probe.js';
import { timerMs } from '../../timer-bounds.js';
import { MAX_FOLLOWED_REDIRECTS, nextRedirect, type RedirectHop } from './go-redirects.js';

/** How probes reach the servers: the service's serversTransport, and an agent made from it. */
export interface ProbeDial {
  readonly agent: Agent;
  readonly transport: UpstreamTransport;
}

/** Traefik's HTTP (or gRPC) probe of one server URL, through the service's serversTransport. */
export function httpProbe(o: HealthCheckOptions, dial: ProbeDial): ServerProbe {
  return (serverUrl) => checkHttp(serverUrl, o, dial);
}

async function checkHttp(serverUrl: string, o: HealthCheckOptions, dial: ProbeDial): Promise<{ up: boolean; reason: string }> {
  let target: URL;
  try {
    target = probeUrl(serverUrl, o);
  } catch (err) {
    return { up: false, reason: err instanceof Error ? err.message : String(err) };
  }
  if (o.mode === 'grpc') return probeGrpcHealth(target, o.timeout, dial.transport);
  const signal = AbortSignal.timeout(timerMs(o.timeout));
  // An h2c:// server is probed in cleartext HTTP/2 (prior knowledge), as Traefik's transport for it does.
  const h2c = target.protocol === 'h2c:' ? new H2CClient(`http://${target.host}`) : null;
  if (h2c !== null) target = new URL(`http://${target.host}${target.pathname}${target.search}`);
  const h2cOrigin = target.origin;
  try {
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    if (o.hostname !== undefined && o.hostname !== '') headers.host = o.hostname;
    const first: RedirectHop = { url: target, method: o.method === undefined || o.method === '' ? 'GET' : o.method, headers };
    let hop = first;
    for (let followed = 0; ; followed++) {
      const dispatcher = h2c !== null && hop.url.origin === h2cOrigin ? h2c : dial.agent;
      const res = await request(hop.url, { method: hop.method as 'GET', headers: hop.headers, signal, dispatcher });
      // Go's Header.Get: the first of several Location headers.
      const location = [res.headers.location].flat()[0];
      const next = o.followRedirects === false ? null : nextRedirect(hop, first, res.statusCode, location);
      if (next === null) {
        // Judged on the head, as Go's client returns it: a body still coming is not waited for.
        res.body.dump().catch(() => undefined);
        const up = o.status !== undefined && o.status !== 0 ? res.statusCode === o.status : res.statusCode >= 200 && res.statusCode < 400;
        return { up, reason: `HTTP status ${res.statusCode}` };
      }
      await res.body.dump();
      if (followed === MAX_FOLLOWED_REDIRECTS) return { up: false, reason: `stopped after ${MAX_FOLLOWED_REDIRECTS + 1} redirects` };
      hop = next;
    }
  } catch (err) {
    return { up: false, reason: err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err) };
  } finally {
    h2c?.destroy().catch(() => undefined);
  }
}

/** The probe URL: server URL with scheme/port replaced when set, path resolved against it (Go url.Parse). */
export function probeUrl(serverUrl: string, o: Pick<HealthCheckOptions, 'path' | 'scheme' | 'port'>): URL {
  const base = new URL(serverUrl);
  if (o.scheme !== undefined && o.scheme !== '') base.protocol = o.scheme + ':';
  if (o.port !== undefined && o.port !== 0) base.port = String(o.port);
  return o.path === undefined || o.path === '' ? base : new URL(o.path, base);
}
