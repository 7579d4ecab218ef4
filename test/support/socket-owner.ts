import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

// Which process holds a TCP connection, read from Linux's /proc: tests of `--workers` use it to prove that
// connections did reach more than one worker (else a per-process limit would pass for a shared one).

/** Processes whose parent is `pid`. */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command may hold spaces and parentheses: the fields after its last ')' are fixed.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

/** The process among `pids` holding the server end of the connection from `clientPort` to `serverPort`. */
export function connectionOwner(serverPort: number, clientPort: number, pids: readonly number[]): number | undefined {
  const inode = serverSocketInode(serverPort, clientPort);
  if (inode === undefined) return undefined;
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`) return pid;
      } catch {
        // closed meanwhile
      }
    }
  }
  return undefined;
}

function serverSocketInode(serverPort: number, clientPort: number): string | undefined {
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = Number.parseInt(fields[1]?.split(':')[1] ?? '', 16);
      const remote = Number.parseInt(fields[2]?.split(':')[1] ?? '', 16);
      if (local === serverPort && remote === clientPort) return fields[9];
    }
  }
  return undefined;
}

/** The listening TCP sockets on `port` each of `pids` holds (their inodes): one shared socket shows in every holder. */
export function listeningSockets(port: number, pids: readonly number[]): Map<number, string[]> {
  const listening = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // State 0A is LISTEN.
      if (Number.parseInt(fields[1]?.split(':')[1] ?? '', 16) === port && fields[3] === '0A' && fields[9] !== undefined) listening.add(fields[9]);
    }
  }
  const held = new Map<number, string[]>();
  for (const pid of pids) {
    const inodes: string[] = [];
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
        if (inode !== undefined && listening.has(inode)) inodes.push(inode);
      } catch {
        // closed meanwhile
      }
    }
    held.set(pid, inodes);
  }
  return held;
}

/**
 * Whether `pid` has let go of its sockets: gone, or a zombie (its descriptors closed, its parent yet to reap it).
 * A process killed with SIGKILL closes them during its exit, not at the signal.
 */
export function releasedSockets(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}
