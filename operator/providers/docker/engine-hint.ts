import { socketPathOf } from './docker-connection.js';

/**
 * What to do when the Docker provider cannot reach its engine, from the error's code: the raw `connect EACCES`
 * of a socket names no fix. Used by the provider's log line, the dashboard, `pe-edge check` and `healthcheck`.
 */
export function engineHint(endpoint: string, err: unknown): string {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  const socket = socketPathOf(endpoint) ?? endpoint;
  switch (code) {
    case 'EACCES':
      return `The socket ${socket} is not readable by this user: in pe-edge's image the process joins the socket's group at start (leave PE_EDGE_USER set and do not override the image's user); elsewhere add the user to the socket's group (stat -c %G ${socket}); a socket only its owner may read needs PE_EDGE_USER= (root) or a socket proxy`;
    case 'ENOENT':
      return `No socket at ${socket}: mount it into the container (/var/run/docker.sock:/var/run/docker.sock:ro), or set providers.docker.endpoint (rootless Docker: unix://$XDG_RUNTIME_DIR/docker.sock)`;
    case 'ECONNREFUSED':
      return `Nothing answers at ${endpoint}: is the Docker engine running?`;
    default:
      return `Check that the Docker engine runs and that providers.docker.endpoint (${endpoint}) points at it`;
  }
}
