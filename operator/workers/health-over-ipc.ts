import type { PrimaryLink, WorkersLink } from './worker-link.js';

// `--workers`: one worker probes the servers; the primary relays each state it finds to the other workers and
// remembers them for a worker that asks after starting.

const PROBED = 'health:probed';
const KNOWN = 'health:known';

export interface ServerState {
  service: string;
  server: string;
  up: boolean;
}

/** Primary: relays and remembers server states. */
export function relayHealth(link: WorkersLink): void {
  const known = new Map<string, ServerState>();
  link.hear(PROBED, (payload, worker) => {
    const state = payload as ServerState;
    known.set(`${state.service}\u0000${state.server}`, state);
    link.tellAll(PROBED, state, worker);
  });
  link.answer(KNOWN, () => [...known.values()]);
}

/** The probing worker: tells the others what it found. */
export function tellProbed(link: PrimaryLink, state: ServerState): void {
  link.tell(PROBED, state);
}

/** Every other worker: applies what the probing worker found, from now on and what it found before. */
export function followProbed(link: PrimaryLink, apply: (state: ServerState) => void): Promise<void> {
  // A state relayed while the question is under way may be newer than the answer: it wins.
  const heard = new Set<string>();
  link.hear(PROBED, (payload) => {
    const state = payload as ServerState;
    heard.add(`${state.service}\u0000${state.server}`);
    apply(state);
  });
  return link.call<ServerState[]>(KNOWN, null, 5000).then((states) => {
    for (const state of states) if (!heard.has(`${state.service}\u0000${state.server}`)) apply(state);
    heard.clear();
  });
}
