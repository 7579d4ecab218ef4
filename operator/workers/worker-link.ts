import cluster, { type Worker } from 'node:cluster';

// `--workers`: the messages between the primary and its workers, over node:cluster's IPC channel. A worker
// calls the primary (a question with one answer) or tells it something (no answer); the primary answers,
// hears, tells every worker, and collects an answer from every worker. Each message names a topic; one
// listener per process dispatches them.

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

/** Calls sent and not answered yet, by id: each settles with its answer, or fails after its timeout. */
class PendingCalls {
  private readonly waiting = new Map<number, { resolve: (answer: unknown) => void; reject: (err: Error) => void; timer: NodeJS.Timeout | undefined }>();
  private next = 0;

  /** Sends the call made by `send(id)`; `who` names the other side for the timeout's message. */
  open<A>(topic: string, who: string, timeoutMs: number, send: (id: number) => void): Promise<A> {
    return new Promise((resolve, reject) => {
      const id = this.next++;
      // An infinite timeout has no timer: the call ends with its answer, or with the channel (`failAll`).
      const timer = Number.isFinite(timeoutMs)
        ? setTimeout(() => {
            this.waiting.delete(id);
            reject(new Error(`${who} did not answer "${topic}" within ${timeoutMs} ms`));
          }, timeoutMs)
        : undefined;
      this.waiting.set(id, { resolve: resolve as (answer: unknown) => void, reject, timer });
      send(id);
    });
  }

  /** The channel closed: no answer will come. */
  failAll(why: string): void {
    for (const pending of this.waiting.values()) {
      clearTimeout(pending.timer);
      pending.reject(new Error(why));
    }
    this.waiting.clear();
  }

  settle(message: Answer): void {
    const pending = this.waiting.get(message.id);
    if (pending === undefined) return;
    this.waiting.delete(message.id);
    clearTimeout(pending.timer);
    if (message.error === undefined) pending.resolve(message.answer);
    else pending.reject(new Error(message.error));
  }
}

/** A worker's side: calls and tells the primary, hears what it tells every worker. */
export class PrimaryLink {
  private readonly calls = new PendingCalls();
  private readonly heard = new Map<string, (payload: unknown) => void>();
  private readonly answerers = new Map<string, (payload: unknown) => unknown>();

  constructor() {
    process.on('message', (message: unknown) => {
      if (isMessage(message, ANSWER)) this.calls.settle(message as Answer);
      else if (isMessage(message, TELL)) this.heard.get((message as Tell).topic)?.((message as Tell).payload);
      else if (isMessage(message, CALL)) this.reply(message as Call);
    });
    process.once('disconnect', () => this.calls.failAll('the primary process is gone'));
  }

  /** What this worker answers when the primary collects `topic` from every worker (`WorkersLink.collect`). */
  answer(topic: string, answerer: (payload: unknown) => unknown): void {
    this.answerers.set(topic, answerer);
  }

  /** Asks the primary; rejects when no answer comes within `timeoutMs` (the primary is gone or stuck). */
  call<A>(topic: string, payload: unknown, timeoutMs: number): Promise<A> {
    return this.calls.open<A>(topic, 'the primary process', timeoutMs, (id) => {
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

  private reply(call: Call): void {
    const send = (answer: Answer): void => {
      process.send?.(answer);
    };
    replyTo(call, this.answerers.get(call.topic), send);
  }
}

/** The primary's side: answers and hears its workers, tells them all. */
export class WorkersLink {
  private readonly answerers = new Map<string, (payload: unknown, worker: Worker) => unknown>();
  private readonly heard = new Map<string, (payload: unknown, worker: Worker) => void>();
  private readonly calls = new PendingCalls();

  constructor() {
    cluster.on('message', (worker, message: unknown) => {
      if (isMessage(message, TELL)) this.heard.get((message as Tell).topic)?.((message as Tell).payload, worker);
      else if (isMessage(message, CALL)) this.reply(worker, message as Call);
      else if (isMessage(message, ANSWER)) this.calls.settle(message as Answer);
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

  /**
   * Asks every worker `topic` and resolves with the answers that came within `timeoutMs` (a worker that fails
   * or is late is left out).
   */
  collect<A>(topic: string, payload: unknown, timeoutMs: number): Promise<A[]> {
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && w.isConnected());
    return Promise.all(workers.map((worker) => this.call<A>(worker, topic, payload, timeoutMs).then((answer) => [answer], () => []))).then((answers) => answers.flat());
  }

  private call<A>(worker: Worker, topic: string, payload: unknown, timeoutMs: number): Promise<A> {
    return this.calls.open<A>(topic, `worker ${worker.id}`, timeoutMs, (id) => {
      const call: Call = { type: CALL, topic, id, payload };
      worker.send(call);
    });
  }

  private reply(worker: Worker, call: Call): void {
    const send = (answer: Answer): void => {
      if (worker.isConnected()) worker.send(answer);
    };
    const answerer = this.answerers.get(call.topic);
    replyTo(call, answerer === undefined ? undefined : (payload) => answerer(payload, worker), send);
  }
}

/** Runs `answerer` for `call` and sends its answer, or the error (a missing answerer, a throw, a rejection). */
function replyTo(call: Call, answerer: ((payload: unknown) => unknown) | undefined, send: (answer: Answer) => void): void {
  const failed = (err: unknown): void => send({ type: ANSWER, id: call.id, error: err instanceof Error ? err.message : String(err) });
  if (answerer === undefined) {
    failed(new Error(`no answer for "${call.topic}" in process ${process.pid}`));
    return;
  }
  try {
    Promise.resolve(answerer(call.payload)).then((answer) => send({ type: ANSWER, id: call.id, answer }), failed);
  } catch (err) {
    failed(err);
  }
}
