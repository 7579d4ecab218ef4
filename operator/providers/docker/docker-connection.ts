import Docker from 'dockerode';

/** The socket file of a unix endpoint (`unix:///path` or a bare path), null for tcp/http/https. */
export function socketPathOf(endpoint: string): string | null {
  if (endpoint.startsWith('unix://')) return endpoint.slice('unix://'.length);
  return endpoint.startsWith('/') ? endpoint : null;
}

/** providers.docker.endpoint → a dockerode client (unix socket default, tcp/http/https). */
export function dockerClient(endpoint: string, timeoutMs = 0): Docker {
  const timeout = timeoutMs > 0 ? { timeout: timeoutMs } : {};
  const socketPath = socketPathOf(endpoint);
  if (socketPath !== null) return new Docker({ socketPath, ...timeout });
  const url = new URL(endpoint.replace(/^tcp:\/\//, 'http://'));
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`providers.docker.endpoint "${endpoint}": only unix://, tcp://, http:// and https:// are supported`);
  }
  return new Docker({ host: url.hostname, port: Number(url.port || (url.protocol === 'https:' ? 2376 : 2375)), protocol: url.protocol === 'https:' ? 'https' : 'http', ...timeout });
}
