import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP/2 server on 127.0.0.1 for upstream tests: h2c (prior knowledge), or TLS offering h2 and http/1.1.
 * It answers `<httpVersion> <method> <path> <body>` with `x-seen-version`, then the trailer `x-checksum: <body length>`
 * (HTTP/2 always sends it; node:http only when chunked). `/hold` answers once `release()` is called; `/health`
 * answers 200, or 503 once `healthy` is false.
 */
export interface H2Backend {
  readonly port: number;
  /** Requests seen, newest last: their HTTP version, headers and which connection (0, 1, ...) they came on. */
  readonly seen: { version: string; headers: http2.IncomingHttpHeaders; body: string; session: number }[];
  /** Sessions (connections) the server has accepted so far. */
  readonly sessions: http2.ServerHttp2Session[];
  healthy: boolean;
  /** Answers every request held on `/hold`. */
  release(): void;
  close(): Promise<void>;
}

export async function startH2Backend(tls?: { cert: string; key: string }): Promise<H2Backend> {
  const sessions: http2.ServerHttp2Session[] = [];
  const seen: H2Backend['seen'] = [];
  let held: (() => void)[] = [];
  const onRequest = (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      // An HTTP/1.1 request (TLS server, ALPN http/1.1) has no stream, hence no session.
      const session = req.stream === undefined ? -1 : sessions.indexOf(req.stream.session as http2.ServerHttp2Session);
      if (req.url === '/health') {
        res.writeHead(backend.healthy ? 200 : 503);
        res.end();
        return;
      }
      seen.push({ version: req.httpVersion, headers: req.headers, body, session });
      const answer = (): void => {
        res.writeHead(200, { 'content-type': 'text/plain', 'x-seen-version': req.httpVersion });
        res.addTrailers({ 'x-checksum': String(body.length) });
        res.end(`${req.httpVersion} ${req.method} ${req.url} ${body}`);
      };
      if (req.url === '/hold') held.push(answer);
      else answer();
    });
  };
  const server = tls === undefined
    ? http2.createServer(onRequest)
    : http2.createSecureServer({ cert: tls.cert, key: tls.key, allowHTTP1: true }, onRequest);
  server.on('session', (session: http2.ServerHttp2Session) => sessions.push(session));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const backend: H2Backend = {
    port: (server.address() as AddressInfo).port,
    seen,
    sessions,
    healthy: true,
    release() {
      const answers = held;
      held = [];
      for (const a of answers) a();
    },
    close: () => new Promise<void>((resolve) => {
      for (const s of sessions) s.destroy();
      server.close(() => resolve());
    }),
  };
  return backend;
}
