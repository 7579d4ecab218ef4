import Docker from 'dockerode';

/** providers.docker.endpoint → a dockerode client (unix socket default, tcp/http/https). */
export function dockerClient(endpoint: string, timeoutMs = 0): Docker {
  const timeout = timeoutMs > 0 ? { timeout: timeoutMs } : {};
  if (endpoint.startsWith('unix://')) return new Docker({ socketPath: endpoint.slice('unix://'.length), ...timeout });
  if (endpoint.startsWith('/')) return new Docker({ socketPath: endpoint, ...timeout });
  const url = new URL(endpoint.replace(/^tcp:\/\//, 'http://'));
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`providers.docker.endpoint "${endpoint}": only unix://, tcp://, http:// and https:// are supported`);
  }
  return new Docker({ host: url.hostname, port: Number(url.port || (url.protocol === 'https:' ? 2376 : 2375)), protocol: url.protocol === 'https:' ? 'https' : 'http', ...timeout });
}
