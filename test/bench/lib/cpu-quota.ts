/**
 * CPU-time quotas standing in for cores this machine does not have, for the TypeScript benches: the method of
 * `cpu-quota.sh` (which the shell benches source). A cgroup's quota holds its processes, with all their threads and
 * the children they start, to a share of the machine, say 0.6 of a CPU, on whichever CPUs they run; two processes in
 * two such groups behave as if each had a core of that speed, while what is left of the machine stays free. The
 * kernel counts the periods in which a group used its quota up and waited (`nr_throttled` in cpu.stat): near every
 * period means the quota bound it. cgroup v2 (`cpu.max`) or v1 (the cpu controller's CFS quota), as root.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';

/** 10 ms: a group that used its share up waits at most that long. */
const PERIOD_US = 10_000;

/** Periods a group lived through so far, and those in which it was throttled. */
export interface ThrottleCount {
  readonly periods: number;
  readonly throttled: number;
}

export class QuotaGroup {
  private constructor(readonly dir: string) {}

  /** A new group whose processes together run at most `cores` CPUs' worth of time; throws, saying why, where none can be made. */
  static create(name: string, cores: number): QuotaGroup {
    const dir = `${quotaRoot()}/pe-bench-${process.pid}-${name}`;
    const quota = Math.max(1000, Math.floor(cores * PERIOD_US));
    mkdirSync(dir);
    if (existsSync(`${dir}/cpu.max`)) {
      writeFileSync(`${dir}/cpu.max`, `${quota} ${PERIOD_US}\n`);
    } else {
      writeFileSync(`${dir}/cpu.cfs_period_us`, `${PERIOD_US}\n`);
      writeFileSync(`${dir}/cpu.cfs_quota_us`, `${quota}\n`);
    }
    return new QuotaGroup(dir);
  }

  /** Moves a process, all its threads and what it starts from now on, into the group. */
  add(pid: number): void {
    writeFileSync(`${this.dir}/cgroup.procs`, `${pid}\n`);
  }

  throttleCount(): ThrottleCount {
    const stat = readFileSync(`${this.dir}/cpu.stat`, 'utf8');
    const field = (name: string): number => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(stat)?.[1] ?? 0);
    return { periods: field('nr_periods'), throttled: field('nr_throttled') };
  }

  /** Removes the group; its processes must have ended or moved (`leave` moves this one to the top group). */
  remove(): void {
    try {
      rmdirSync(this.dir);
    } catch (err) {
      // A process still in it: the group stays behind (empty later, and harmless), named for the cleanup by hand.
      console.error(`could not remove the cgroup ${this.dir}: ${String(err)}`);
    }
  }

  /** Moves a process back to the root group, so that this group can be removed. */
  static leave(pid: number): void {
    writeFileSync(`${quotaRoot()}/cgroup.procs`, `${pid}\n`);
  }
}

/** The share of periods between two counts in which the group was throttled, 0..1. */
export function throttledShare(before: ThrottleCount, after: ThrottleCount): number {
  const periods = after.periods - before.periods;
  return periods > 0 ? (after.throttled - before.throttled) / periods : 0;
}

/** Where new groups go: v2's root with cpu delegated to its children, or v1's cpu hierarchy. */
function quotaRoot(): string {
  if (existsSync('/sys/fs/cgroup/cgroup.controllers')) {
    if (!/\bcpu\b/.test(readFileSync('/sys/fs/cgroup/cgroup.controllers', 'utf8'))) throw new Error('cgroup v2 without the cpu controller');
    if (!/\bcpu\b/.test(readFileSync('/sys/fs/cgroup/cgroup.subtree_control', 'utf8'))) writeFileSync('/sys/fs/cgroup/cgroup.subtree_control', '+cpu\n');
    return '/sys/fs/cgroup';
  }
  if (existsSync('/sys/fs/cgroup/cpu/cpu.cfs_quota_us')) return '/sys/fs/cgroup/cpu';
  throw new Error('no cgroup cpu controller under /sys/fs/cgroup');
}
