import cluster, { type Worker } from 'node:cluster';

// `--workers`: the messages between the primary and its workers, over node:cluster's IPC channel. A worker
// calls the primary (a question with one answer) or tells it something (no answer); the primary answers,
// hears, tells every worker, and collects an answer from every worker. Each message names a topic; one
// listener per process dispatches them. A worker says once when it serves (its entrypoints listen): the primary
// collects only from workers that do, and tells a worker that dies before from one that dies after.

const CALL = 'pe-edge:call';
const ANSWER = 'pe-edge:answer';
const TELL = 'pe-edge:tell';
const STARTED = 'pe-edge:started';

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

/** A call to a worker that exited before it answered: `collectEvery` leaves that worker out. */
export class WorkerGone extends Error {}

/** Calls sent and not answered yet, by id: each settles with its answer, or fails after its timeout. */
class PendingCalls {
  private readonly waiting = new Map<number, { resolve: (answer: unknown) => void; reject: (err: Error) => void; timer: NodeJS.Timeout | undefined; to: unknown }>();
  private next = 0;

  /** Sends the call made by `send(id)` to `to`; `who` names the other side for the timeout's message. */
  open<A>(topic: string, who: string, timeoutMs: number, send: (id: number) => void, to: unknown = null): Promise<A> {
    return new Promise((resolve, reject) => {
      const id = this.next++;
      // An infinite timeout has no timer: the call ends with its answer, or with the channel (`failAll`).
      const timer = Number.isFinite(timeoutMs)
        ? setTimeout(() => {
            this.waiting.delete(id);
            reject(new Error(`${who} did not answer "${topic}" within ${timeoutMs} ms`));
          }, timeoutMs)
        : undefined;
      this.waiting.set(id, { resolve: resolve as (answer: unknown) => void, reject, timer, to });
      send(id);
    });
  }

  /** The channel to `to` (or every channel) closed: no answer will come. */
  failAll(err: Error, to?: unknown): void {
    for (const [id, pending] of this.waiting) {
      if (to !== undefined && pending.to !== to) continue;
      clearTimeout(pending.timer);
      this.waiting.delete(id);
      pending.reject(err);
    }
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
    process.once('disconnect', () => this.calls.failAll(new Error('the primary process is gone')));
  }

  /** Tells the primary this worker serves: its entrypoints listen. Once, after start. */
  started(): void {
    process.send?.({ type: STARTED });
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

/** The primary's side: answers and hears its workers, tells them all, and knows which of them started. */
export class WorkersLink {
  private readonly answerers = new Map<string, (payload: unknown, worker: Worker) => unknown>();
  private readonly heard = new Map<string, (payload: unknown, worker: Worker) => void>();
  private readonly calls = new PendingCalls();
  private readonly startedOnes = new WeakSet<Worker>();
  private readonly onStarted: ((worker: Worker) => void)[] = [];

  constructor() {
    cluster.on('message', (worker, message: unknown) => {
      if (isMessage(message, TELL)) this.heard.get((message as Tell).topic)?.((message as Tell).payload, worker);
      else if (isMessage(message, CALL)) this.reply(worker, message as Call);
      else if (isMessage(message, ANSWER)) this.calls.settle(message as Answer);
      else if (isMessage(message, STARTED) && !this.startedOnes.has(worker)) {
        this.startedOnes.add(worker);
        for (const listener of this.onStarted) listener(worker);
      }
    });
    // A worker that died answers nothing it was asked: its callers hear so now, not at their timeout.
    const gone = (worker: Worker): void => this.calls.failAll(new WorkerGone(`worker ${worker.id} exited`), worker);
    cluster.on('exit', gone);
    cluster.on('disconnect', gone);
  }

  /** Whether `worker` said it serves (it stays so after it exits: it died after start). */
  started(worker: Worker): boolean {
    return this.startedOnes.has(worker);
  }

  /** `listener` runs once per worker, when it says it serves. */
  whenStarted(listener: (worker: Worker) => void): void {
    this.onStarted.push(listener);
  }

  /** The workers serving now: started, still running, still connected. */
  serving(): Worker[] {
    return Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && this.startedOnes.has(w) && w.isConnected() && !w.isDead());
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
    this.send(worker, tell);
  }

  /**
   * Asks every serving worker `topic` and resolves with the answers that came within `timeoutMs` (a worker that
   * fails or is late is left out). A worker still starting is not asked: it may not listen to the channel yet.
   */
  collect<A>(topic: string, payload: unknown, timeoutMs: number): Promise<A[]> {
    return Promise.all(this.serving().map((worker) => this.call<A>(worker, topic, payload, timeoutMs).then((answer) => [answer], () => []))).then((answers) => answers.flat());
  }

  /** As `collect`, but rejects when a worker fails or is late; only a worker that exits meanwhile is left out. */
  collectEvery<A>(topic: string, payload: unknown, timeoutMs: number): Promise<A[]> {
    const asked = this.serving().map((worker) =>
      this.call<A>(worker, topic, payload, timeoutMs).then(
        (answer) => [answer],
        (err: unknown) => {
          if (err instanceof WorkerGone) return [];
          throw err;
        },
      ),
    );
    return Promise.all(asked).then((answers) => answers.flat());
  }

  private call<A>(worker: Worker, topic: string, payload: unknown, timeoutMs: number): Promise<A> {
    return this.calls.open<A>(topic, `worker ${worker.id}`, timeoutMs, (id) => {
      const call: Call = { type: CALL, topic, id, payload };
      this.send(worker, call);
    }, worker);
  }

  /**
   * Every write to a worker's channel. A worker killed (kill -9, OOM) before the primary heard it still looks
   * connected; writing to its closed pipe fails with EPIPE, which node:cluster emits as an 'error' on the Worker, and
   * with no listener that ends the primary and every worker with it. Given a callback, node hands it the error
   * instead: the worker is gone, and its pending calls (this one too) fail now.
   */
  private send(worker: Worker, message: Call | Answer | Tell): void {
    const gone = (why: string): void => this.calls.failAll(new WorkerGone(`worker ${worker.id} exited (${why})`), worker);
    if (!worker.isConnected()) {
      gone('its channel is closed');
      return;
    }
    worker.send(message, undefined, (err) => {
      if (err !== null) gone(err.message);
    });
  }

  private reply(worker: Worker, call: Call): void {
    const answerer = this.answerers.get(call.topic);
    replyTo(call, answerer === undefined ? undefined : (payload) => answerer(payload, worker), (answer) => this.send(worker, answer));
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
