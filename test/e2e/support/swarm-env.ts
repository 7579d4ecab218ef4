// A single-node Docker Swarm for pe-edge's Swarm tests. The engine is left as found: a swarm this
// process initialised is left at exit unless PE_EDGE_KEEP_SWARM is set (other test processes may share it);
// services and networks carry the test label and are removed by their test, even when it fails.
import type { TestContext } from 'node:test';
import { docker, OWNER_LABEL, runCommand, TEST_LABEL, waitFor } from './docker-env.js';

let initialised: Promise<boolean> | undefined;

/** Initialises swarm mode when inactive; true when this process did (and so leaves it afterwards). */
export function ensureSwarm(): Promise<boolean> {
  initialised ??= (async () => {
    const state = await docker(['info', '--format', '{{.Swarm.LocalNodeState}}']);
    if (state === 'active') return false;
    const r = await runCommand('docker', ['swarm', 'init', '--advertise-addr', '127.0.0.1'], { timeoutMs: 60_000 });
    // Another process may have initialised it meanwhile: then it is theirs to leave.
    if (r.code !== 0 && !/already part of a swarm/i.test(r.stderr)) throw new Error(`docker swarm init: ${r.stderr.trim()}`);
    return r.code === 0;
  })();
  return initialised;
}

/** After the last test of a file: leave the swarm if this process made it and nothing asks to keep it. */
export async function leaveSwarmIfOurs(): Promise<void> {
  if (initialised === undefined || !(await initialised)) return;
  if (process.env.PE_EDGE_KEEP_SWARM !== undefined && process.env.PE_EDGE_KEEP_SWARM !== '') return;
  await runCommand('docker', ['swarm', 'leave', '--force'], { timeoutMs: 60_000 });
}

export interface ServiceSpec {
  image: string;
  replicas?: number;
  /** Service labels (Spec.Labels: what a stack's deploy.labels sets). */
  labels?: Record<string, string>;
  networks?: string[];
  env?: Record<string, string>;
  /** `--publish` values, e.g. `18080:80`. */
  publish?: string[];
  /** `--mount` values. */
  mounts?: string[];
  args?: string[];
  /** Extra `docker service create` flags before the image. */
  flags?: string[];
}

export interface SwarmScope {
  readonly id: string;
  /** An attachable overlay network; its name. */
  network(name: string): Promise<string>;
  /** Creates a service and waits until its tasks converge; its name. */
  service(name: string, spec: ServiceSpec): Promise<string>;
}

/** Services and networks of one test, named `pee2e-<id>-<name>`, removed when the test ends. */
export function swarmScope(t: TestContext, id: string): SwarmScope {
  const services: string[] = [];
  const networks: string[] = [];
  t.after(async () => {
    if (services.length > 0) await runCommand('docker', ['service', 'rm', ...services], { timeoutMs: 60_000 });
    // A network is removable once the services' task containers are gone.
    for (const n of networks) {
      await waitFor(`network ${n} removed`, async () => (await runCommand('docker', ['network', 'rm', n], { timeoutMs: 30_000 })).code === 0 || undefined, { timeoutMs: 60_000, intervalMs: 500 }).catch(() => undefined);
    }
  });
  const labels = [`--label`, `${TEST_LABEL}=${id}`, '--label', `${OWNER_LABEL}=${process.pid}`];
  return {
    id,
    async network(name) {
      const full = `pee2e-${id}-${name}`;
      await docker(['network', 'create', '--driver', 'overlay', '--attachable', ...labels, full]);
      networks.push(full);
      return full;
    },
    async service(name, spec) {
      const full = `pee2e-${id}-${name}`;
      const args = ['service', 'create', '--quiet', '--detach', '--name', full, '--replicas', String(spec.replicas ?? 1), '--container-label', `${TEST_LABEL}=${id}`];
      for (const [k, v] of Object.entries(spec.labels ?? {})) args.push('--label', `${k}=${v}`);
      for (const n of spec.networks ?? []) args.push('--network', n);
      for (const [k, v] of Object.entries(spec.env ?? {})) args.push('--env', `${k}=${v}`);
      for (const p of spec.publish ?? []) args.push('--publish', p);
      for (const m of spec.mounts ?? []) args.push('--mount', m);
      args.push(...(spec.flags ?? []), spec.image, ...(spec.args ?? []));
      services.push(full);
      await docker(args, { timeoutMs: 60_000 });
      await waitForRunning(full, spec.replicas ?? 1);
      return full;
    },
  };
}

/** Waits until exactly `n` tasks of the service are running (Swarm's own view). */
export async function waitForRunning(service: string, n: number, timeoutMs = 90_000): Promise<void> {
  await waitFor(`${n} running task(s) of ${service}`, async () => {
    const out = await docker(['service', 'ps', service, '--filter', 'desired-state=running', '--format', '{{.CurrentState}}']);
    const running = out.split('\n').filter((l) => l.startsWith('Running')).length;
    return running === n || undefined;
  }, { timeoutMs, intervalMs: 500 });
}

/** The running tasks' addresses on `network`, from `docker inspect` of the tasks. */
export async function taskAddresses(service: string, network: string): Promise<string[]> {
  const ids = (await docker(['service', 'ps', service, '--filter', 'desired-state=running', '--quiet', '--no-trunc'])).split('\n').filter((l) => l !== '');
  const out: string[] = [];
  for (const id of ids) {
    const info = JSON.parse(await docker(['inspect', id])) as { Status?: { State?: string }; NetworksAttachments?: { Network?: { Spec?: { Name?: string } }; Addresses?: string[] }[] }[];
    const task = info[0];
    if (task?.Status?.State !== 'running') continue;
    const addr = task.NetworksAttachments?.find((a) => a.Network?.Spec?.Name === network)?.Addresses?.[0];
    if (addr !== undefined) out.push(addr.replace(/\/\d+$/, ''));
  }
  return out.sort();
}
