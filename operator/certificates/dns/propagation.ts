// lego's propagation check, as Traefik's `dnsChallenge.resolvers` uses it: every resolver must answer
// the TXT value for the record's name; polled every `intervalMs` until `timeoutMs` has passed.
// lego then also asks the zone's authoritative nameservers (found by an SOA lookup): not done here.
import { Resolver } from 'node:dns/promises';

export interface PropagationOptions {
  /** `host:port` (or `[v6]:port`) of each resolver to ask; empty: the system's resolvers. */
  resolvers: string[];
  timeoutMs: number;
  intervalMs: number;
  signal?: AbortSignal;
}

/** Per query; a resolver that does not answer in time is asked again at the next poll. */
const QUERY_TIMEOUT_MS = 2000;

export async function waitForPropagation(fqdn: string, value: string, opts: PropagationOptions): Promise<void> {
  const servers = opts.resolvers.length > 0 ? opts.resolvers.map((r) => [r]) : [undefined];
  const resolvers = servers.map((s) => {
    const resolver = new Resolver({ timeout: QUERY_TIMEOUT_MS, tries: 1 });
    if (s !== undefined) resolver.setServers(s);
    return { name: s?.[0] ?? resolver.getServers().join(','), resolver };
  });
  const onAbort = (): void => {
    for (const { resolver } of resolvers) resolver.cancel();
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const deadline = Date.now() + opts.timeoutMs;
  let lastError: string | undefined;
  try {
    for (;;) {
      opts.signal?.throwIfAborted();
      lastError = await firstMissing(resolvers, fqdn, value);
      if (lastError === undefined) return;
      opts.signal?.throwIfAborted();
      if (Date.now() + opts.intervalMs > deadline) break;
      await sleep(opts.intervalMs, opts.signal);
    }
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
  throw new Error(`propagation: time limit exceeded: last error: ${lastError}`);
}

/** lego's message for the first resolver that does not answer the value, or undefined when all do. */
async function firstMissing(resolvers: { name: string; resolver: Resolver }[], fqdn: string, value: string): Promise<string | undefined> {
  for (const { name, resolver } of resolvers) {
    let records: string[];
    try {
      records = (await resolver.resolveTxt(fqdn)).map((chunks) => chunks.join(''));
    } catch (err) {
      return `NS ${name} returned ${(err as NodeJS.ErrnoException).code ?? String(err)} for ${fqdn}`;
    }
    if (!records.includes(value)) {
      return `NS ${name} did not return the expected TXT record [fqdn: ${fqdn}, value: ${value}]: ${records.join(' ,')}`;
    }
  }
  return undefined;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      signal?.removeEventListener('abort', aborted);
      resolve();
    }
    function aborted(): void {
      clearTimeout(timer);
      reject(signal?.reason);
    }
    signal?.addEventListener('abort', aborted, { once: true });
  });
}
