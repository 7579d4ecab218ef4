import type { TestContext } from 'node:test';
import { startBackend } from '../../support/backends.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';

type Backend = Awaited<ReturnType<typeof startBackend>>;

/** Two backends answering their names (A, B) behind a loadBalancer with a sticky cookie named `lb`; closed after `t`. */
export async function stickyPair(t: TestContext): Promise<{ servers: [Backend, Backend]; url: string }> {
  const a = await startBackend('A');
  const b = await startBackend('B');
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 'web' } },
      services: { 'web@file': { loadBalancer: { servers: [{ url: a.url }, { url: b.url }], sticky: { cookie: { name: 'lb' } } } } },
    },
  }));
  t.after(async () => { await proxy.close(0); await a.close(); await b.close(); });
  return { servers: [a, b], url: `http://127.0.0.1:${proxy.port('web')}/` };
}
