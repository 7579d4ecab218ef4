import type Docker from 'dockerode';

/** One container event from Docker's /events stream (or, for the Swarm provider, a service event). */
export interface ContainerEvent {
  /** `container`, or `service` when asked for (Swarm's create, update, remove). */
  type?: string;
  id: string;
  /** `start`, `kill`, `die`, `stop`, `pause`, `unpause`, `destroy`, `health_status: healthy`, ... */
  action: string;
  attributes: Readonly<Record<string, string>>;
  /** Event time in ns, from Docker. */
  timeNano: number;
}

/**
 * Follows container events until the stream ends or fails (the caller reconnects).
 * Resolves once the stream is open, so the caller can list containers after subscribing and miss nothing.
 */
export async function followContainerEvents(docker: Docker, onEvent: (e: ContainerEvent) => void, onEnd: (err: Error | null) => void, signal: AbortSignal, types: readonly string[] = ['container']): Promise<void> {
  const stream = (await docker.getEvents({ filters: JSON.stringify({ type: types }) })) as NodeJS.ReadableStream & { destroy?: () => void };
  let buffered = '';
  let ended = false;
  const finish = (err: Error | null): void => {
    if (ended) return;
    ended = true;
    onEnd(err);
  };
  signal.addEventListener('abort', () => stream.destroy?.(), { once: true });
  stream.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    let newline: number;
    while ((newline = buffered.indexOf('\n')) !== -1) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line === '') continue;
      try {
        const raw = JSON.parse(line) as { Type?: string; id?: string; Action?: string; status?: string; timeNano?: number; Actor?: { ID?: string; Attributes?: Record<string, string> } };
        onEvent({
          type: raw.Type ?? 'container',
          id: raw.Actor?.ID ?? raw.id ?? '',
          action: raw.Action ?? raw.status ?? '',
          attributes: raw.Actor?.Attributes ?? {},
          timeNano: raw.timeNano ?? 0,
        });
      } catch {
        // A torn line is not an event; the resync after a reconnect covers anything missed.
      }
    }
  });
  stream.on('error', (err: Error) => finish(err));
  stream.on('end', () => finish(null));
  stream.on('close', () => finish(null));
}
