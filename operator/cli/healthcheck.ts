import { request } from 'undici';
import type { StaticConfig } from '../../labels-spec/index.js';
import { effectiveEntryPoints } from '../aggregation/build-input.js';
import { PING_PROVIDERS_HEADER } from '../../proxy/runtime/build-input.js';

/**
 * `pe-edge healthcheck`: Traefik's `traefik healthcheck`: /ping on the ping entrypoint of the same static
 * configuration, 5 s timeout; exit code 0 on 200, 1 otherwise (Docker HEALTHCHECK). It asks with
 * PING_PROVIDERS_HEADER, so the running edge also answers 503 while a provider cannot reach its source (the Docker
 * engine, as the edge itself sees it): `docker ps` shows it unhealthy instead of healthy and routing nothing of
 * Docker's. /ping without the header stays 200 for load balancers.
 */
export async function healthcheck(config: StaticConfig, out: (line: string) => void): Promise<number> {
  if (config.ping === undefined) {
    out('Error calling healthcheck: please enable `ping` to use health check');
    return 1;
  }
  const ep = effectiveEntryPoints(config)[config.ping.entryPoint];
  if (ep === undefined) {
    out(`Error calling healthcheck: ping: missing ${config.ping.entryPoint} entry point`);
    return 1;
  }
  const match = /^(.*):(\d+)(?:\/tcp)?$/i.exec(ep.address);
  let host = match?.[1] ?? '';
  if (host === '' || host === '0.0.0.0' || host === '[::]' || host === '::') host = '127.0.0.1';
  const url = `http://${host}:${match?.[2] ?? '80'}/ping`;
  try {
    const res = await request(url, { method: 'GET', headers: { [PING_PROVIDERS_HEADER]: '1' }, headersTimeout: 5000, bodyTimeout: 5000 });
    if (res.statusCode === 200) {
      await res.body.dump();
      out(`OK: ${url}`);
      return 0;
    }
    // The running edge says which provider cannot reach its source, and what to do.
    const why = res.statusCode === 503 ? (await res.body.text()).trim() : (await res.body.dump(), '');
    out(`Bad healthcheck status: ${res.statusCode}${why === '' || why === 'Service Unavailable' ? '' : `: ${why}`}`);
    return 1;
  } catch (err) {
    out(`Error calling healthcheck: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

