import { readFileSync, statSync } from 'node:fs';
import { socketPathOf } from '../providers/docker/docker-connection.js';

/** The image sets this to the user pe-edge runs as once it has joined the Docker socket's group. */
export const RUN_AS_ENV = 'PE_EDGE_USER';

/** What `dropPrivileges` did, for the start-up log. */
export interface Dropped {
  user: string;
  uid: number;
  gid: number;
  /** The Docker socket's group, joined; null without a unix socket to read. */
  socketGroup: number | null;
}

/**
 * The engine endpoint whose socket group the image joins: the Docker provider's, else the Swarm provider's, which
 * reads the same engine (a stack's pe-edge has only `providers.swarm`, and without the group could not list services).
 */
export function engineEndpoint(providers: { readonly docker?: { readonly endpoint: string }; readonly swarm?: { readonly endpoint?: unknown } }): string | undefined {
  const swarm = providers.swarm?.endpoint;
  return providers.docker?.endpoint ?? (typeof swarm === 'string' ? swarm : undefined);
}

/**
 * In the image pe-edge starts as root for one reason: to join the Docker socket's group, whatever number it
 * has on this host (999 on Docker's own packages, 106 on Debian's, 0 on Docker Desktop), so a plain
 * `docker-compose up -d` can read the socket with nothing set. It then becomes `user` (setgroups, setgid,
 * setuid, in that order) before it opens a log, binds a port or reads anything but the static configuration
 * (read first: it names the socket). Not root, or no user asked: nothing is done. Throws, naming the user and
 * what to do, when the drop cannot be made: never run on as root by accident.
 */
export function dropPrivileges(user: string | undefined, dockerEndpoint: string | undefined): Dropped | null {
  if (user === undefined || user === '' || process.getuid?.() !== 0) return null;
  const entry = passwdEntry(user);
  if (entry === null) throw new Error(`${RUN_AS_ENV}=${user}: no such user in /etc/passwd`);
  const socket = dockerEndpoint === undefined ? null : socketPathOf(dockerEndpoint);
  let socketGroup: number | null = null;
  if (socket !== null) {
    try {
      socketGroup = statSync(socket).gid;
    } catch {
      // No socket mounted (a file-only setup): nothing to join; the provider says what it cannot reach.
    }
  }
  try {
    process.setgroups?.(socketGroup === null ? [entry.gid] : [entry.gid, socketGroup]);
    process.setgid?.(entry.gid);
    process.setuid?.(entry.uid);
  } catch (err) {
    // A container started with `cap_drop: ALL` keeps root's uid but not the right to change it.
    throw new Error(
      `${RUN_AS_ENV}=${user}: cannot become that user (${err instanceof Error ? err.message : String(err)}): the container lacks the SETUID/SETGID ` +
        `capabilities; add cap_add: [SETUID, SETGID], or start it as the user directly (user: "<uid>:${socketGroup ?? '<docker socket gid>'}") with ${RUN_AS_ENV}=`,
    );
  }
  if (process.getuid?.() !== entry.uid) throw new Error(`${RUN_AS_ENV}=${user}: could not become uid ${entry.uid}`);
  return { user, ...entry, socketGroup };
}

function passwdEntry(user: string): { uid: number; gid: number } | null {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const fields = line.split(':');
    if (fields[0] === user && fields.length >= 4) return { uid: Number(fields[2]), gid: Number(fields[3]) };
  }
  return null;
}
