import cluster, { type Worker } from 'node:cluster';

// `--workers`: the messages between the primary and its workers, over node:cluster's IPC channel. A worker
// calls the primary (a question with one answer) or tells it something (no answer); the primary answers,
// hears, and tells every worker. Each message names a topic; one listener per process dispatches them.

const CALL = 'pe-edge:call';
const ANSWER = 'pe-edge:answer';
const TELL = 'pe-edge:tell';

interface Call {
  type: typeof CALL;
  topic: string;
  id: number;
  payload: unknown;
}
interface Answer {
  type: typeof ANSWER;
  id: number;
  answer?: unknown;
  error?: string;
}
interface Tell {
  type: typeof TELL;
  topic: string;
  payload: unknown;
}

function isMessage(message: unknown, type: string): boolean {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;
}

/** A worker's side: calls and tells the primary, hears what it tells every worker. */
export class PrimaryLink {
  private readonly waiting = new Map<number, { resolve: (answer: unknown) => void; reject: (err: Error) => void; timer: NodeJS.Timeout }>();
  private readonly heard = new Map<string, (payload: unknown) => void>();
  private next = 0;

  constructor() {
    process.on('message', (message: unknown) => {
      if (isMessage(message, ANSWER)) this.answered(message as Answer);
      else if (isMessage(message, TELL)) this.heard.get((message as Tell).topic)?.((message as Tell).payload);
    });
  }

  /** Asks the primary; rejects when no answer comes within `timeoutMs` (the primary is gone or stuck). */
  call<A>(topic: string, payload: unknown, timeoutMs: number): Promise<A> {
    return new Promise((resolve, reject) => {
      const id = this.next++;
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`the primary process did not answer "${topic}" within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, { resolve: resolve as (answer: unknown) => void, reject, timer });
      const call: Call = { type: CALL, topic, id, payload };
      process.send?.(call);
    });
  }

  tell(topic: string, payload: unknown): void {
    const tell: Tell = { type: TELL, topic, payload };
    process.send?.(tell);
  }

  /** One listener per topic: what the primary tells every worker. */
  hear(topic: string, listener: (payload: unknown) => void): void {
    this.heard.set(topic, listener);
  }

  private answered(message: Answer): void {
    const pending = this.waiting.get(message.id);
    if (pending === undefined) return;
    this.waiting.delete(message.id);
    clearTimeout(pending.timer);
    if (message.error === undefined) pending.resolve(message.answer);
    else pending.reject(new Error(message.error));
  }
}

/** The primary's side: answers and hears its workers, tells them all. */
export class WorkersLink {
  private readonly answerers = new Map<string, (payload: unknown, worker: Worker) => unknown>();
  private readonly heard = new Map<string, (payload: unknown, worker: Worker) => void>();

  constructor() {
    cluster.on('message', (worker, message: unknown) => {
      if (isMessage(message, TELL)) this.heard.get((message as Tell).topic)?.((message as Tell).payload, worker);
      else if (isMessage(message, CALL)) this.reply(worker, message as Call);
    });
  }

  /** `answerer` returns the answer, or a promise of it; a throw or rejection reaches the caller as an error. */
  answer(topic: string, answerer: (payload: unknown, worker: Worker) => unknown): void {
    this.answerers.set(topic, answerer);
  }

  hear(topic: string, listener: (payload: unknown, worker: Worker) => void): void {
    this.heard.set(topic, listener);
  }

  /** Tells every worker (but `except`). */
  tellAll(topic: string, payload: unknown, except?: Worker): void {
    for (const worker of Object.values(cluster.workers ?? {})) if (worker !== undefined && worker !== except) this.tell(worker, topic, payload);
  }

  tell(worker: Worker, topic: string, payload: unknown): void {
    const tell: Tell = { type: TELL, topic, payload };
    if (worker.isConnected()) worker.send(tell);
  }

  private reply(worker: Worker, call: Call): void {
    const send = (answer: Answer): void => {
      if (worker.isConnected()) worker.send(answer);
    };
    const failed = (err: unknown): void => send({ type: ANSWER, id: call.id, error: err instanceof Error ? err.message : String(err) });
    const answerer = this.answerers.get(call.topic);
    if (answerer === undefined) {
      failed(new Error(`no answer for "${call.topic}" in the primary process`));
      return;
    }
    try {
      Promise.resolve(answerer(call.payload, worker)).then((answer) => send({ type: ANSWER, id: call.id, answer }), failed);
    } catch (err) {
      failed(err);
    }
  }
}
