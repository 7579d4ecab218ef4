import { request } from 'undici';
import type { StaticConfig } from '../../labels-spec/index.js';
import { effectiveEntryPoints } from '../aggregation/build-input.js';
import { dockerClient } from '../providers/docker/docker-connection.js';
import type { EngineState } from '../providers/docker/docker-provider.js';
import { engineHint } from '../providers/docker/engine-hint.js';
import { dropPrivileges, RUN_AS_ENV } from './drop-privileges.js';

/**
 * `pe-edge healthcheck`: Traefik's `traefik healthcheck`: HEAD /ping on the ping entrypoint of
 * the same static configuration, 5 s timeout; exit code 0 on 200, 1 otherwise (Docker HEALTHCHECK).
 * pe-edge also fails it while the Docker provider's engine cannot be reached, as the edge's user would reach it,
 * so `docker ps` shows the edge unhealthy instead of healthy and routing nothing of Docker's; /ping itself stays
 * 200 for load balancers.
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
    const res = await request(url, { method: 'HEAD', headersTimeout: 5000, bodyTimeout: 5000 });
    await res.body.dump();
    if (res.statusCode === 200) {
      const docker = config.providers.docker;
      if (docker !== undefined) {
        const engine = await dockerEngine(docker.endpoint);
        if (!engine.reachable) {
          out(`Docker provider: ${engine.error}. ${engine.hint}`);
          return 1;
        }
      }
      out(`OK: ${url}`);
      return 0;
    }
    out(`Bad healthcheck status: ${res.statusCode}`);
    return 1;
  } catch (err) {
    out(`Error calling healthcheck: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

/** Pings the engine as the edge's user (PE_EDGE_USER in the image), so the answer is the edge's own view. */
async function dockerEngine(endpoint: string): Promise<EngineState> {
  try {
    dropPrivileges(process.env[RUN_AS_ENV], endpoint);
    await dockerClient(endpoint, 3000).ping();
    return { reachable: true };
  } catch (err) {
    return { reachable: false, error: `Docker engine unreachable at ${endpoint}: ${err instanceof Error ? err.message : String(err)}`, hint: engineHint(endpoint, err) };
  }
}
