import type { ProxyRequest, ProxyResponse } from '../http/proxy-exchange.js';


/**
 * node:http emits 'request' for every pipelined request it parsed from one read, at once: served as they
 * come, N pipelined requests on one connection would open N upstream connections together. HAProxy serves
 * a connection's requests one at a time, and so does this: the next request of a connection starts when
 * the answer before it is over (node keeps the answers in order either way).
 */
export class Http1Pipeline<Req extends ProxyRequest = ProxyRequest, Res extends ProxyResponse = ProxyResponse> {
  /** Requests waiting behind the one in flight, by client connection; an entry means one is in flight. */
  private readonly waiting = new WeakMap<object, (readonly [Req, Res])[]>();

  constructor(private readonly serve: (req: Req, res: Res) => void) {}

  accept(req: Req, res: Res): void {
    const connection = req.socket;
    const queue = this.waiting.get(connection);
    if (queue !== undefined) {
      queue.push([req, res]);
      return;
    }
    this.waiting.set(connection, []);
    this.start(connection, req, res);
  }

  private start(connection: object, req: Req, res: Res): void {
    res.once('close', () => this.next(connection));
    this.serve(req, res);
  }

  private next(connection: object): void {
    const queue = this.waiting.get(connection);
    const following = queue?.shift();
    if (following === undefined) {
      this.waiting.delete(connection);
      return;
    }
    const [req, res] = following;
    // A connection that closed meanwhile leaves nothing to answer: its waiting requests are dropped with it.
    if (res.clientGone || req.socket.destroyed === true) {
      this.waiting.delete(connection);
      return;
    }
    this.start(connection, req, res);
  }
}
