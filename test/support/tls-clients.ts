import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';

/** What a client noticed about one request: the answer and, over TLS, the handshake. */
export interface ClientResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  httpVersion: string;
  /** The answer's trailers (plain HTTP/1.1 requests; empty when none came). */
  trailers?: NodeJS.Dict<string>;
  /** Over TLS: negotiated protocol (`TLSv1.3`) and the server certificate's CN and fingerprint. */
  protocol?: string | null;
  certCN?: string;
  certFingerprint256?: string;
}

export interface RequestOptions {
  port: number;
  path?: string;
  method?: string;
  /** Host header; also the SNI name over TLS unless `servername` is given. */
  host?: string;
  servername?: string;
  headers?: http.OutgoingHttpHeaders;
  body?: string;
  /** Extra TLS client options (minVersion, maxVersion, ca, ciphers, ALPNProtocols...). */
  tls?: tls.ConnectionOptions;
}

/** One HTTP/1.1 request over TLS to 127.0.0.1 (no agent, no redirects followed). */
export function httpsRequest(opts: RequestOptions): Promise<ClientResult> {
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = { ...(opts.host !== undefined ? { host: opts.host } : {}), ...opts.headers };
    const servername = opts.servername ?? (opts.host === undefined ? undefined : opts.host.replace(/:\d+$/, ''));
    const req = https.request(
      {
        host: '127.0.0.1',
        port: opts.port,
        path: opts.path ?? '/',
        method: opts.method ?? 'GET',
        headers,
        agent: false,
        rejectUnauthorized: false,
        ...(servername !== undefined ? { servername } : {}),
        ...opts.tls,
      },
      (res) => {
        const socket = res.socket as tls.TLSSocket;
        const cert = socket.getPeerCertificate();
        const protocol = socket.getProtocol();
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            httpVersion: res.httpVersion,
            protocol,
            certCN: String(cert.subject?.CN),
            certFingerprint256: cert.fingerprint256,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** One plain HTTP/1.1 request to 127.0.0.1 (no agent, no redirects followed). */
export function httpRequest(opts: RequestOptions): Promise<ClientResult> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: opts.port,
        path: opts.path ?? '/',
        method: opts.method ?? 'GET',
        headers: { ...(opts.host !== undefined ? { host: opts.host } : {}), ...opts.headers },
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, httpVersion: res.httpVersion, trailers: res.trailers }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

export interface HandshakeResult {
  ok: boolean;
  protocol?: string | null;
  cn?: string;
  /** Negotiated ALPN protocol. */
  alpn?: string | false | null;
  error?: string;
}

/**
 * A bare TLS handshake. A connection the server closes right after the handshake (refused by a
 * per-host check) counts as refused.
 */
export function tlsHandshake(port: number, servername: string | undefined, options: tls.ConnectionOptions = {}): Promise<HandshakeResult> {
  return new Promise((resolve) => {
    const socket = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, ...(servername !== undefined ? { servername } : {}), ...options }, () => {
      const result = { ok: true, protocol: socket.getProtocol(), cn: String(socket.getPeerCertificate().subject?.CN), alpn: socket.alpnProtocol };
      socket.once('close', () => resolve({ ...result, ok: false, error: 'closed after handshake' }));
      setTimeout(() => {
        socket.destroy();
        resolve(result);
      }, 100);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => resolve({ ok: false, error: err.code ?? err.message }));
  });
}

/** A TLS 1.1-only client; OpenSSL 3 needs security level 0 to offer it at all. */
export const TLS11_CLIENT: tls.ConnectionOptions = { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' };

/** A port that was free a moment ago, for entrypoints whose address must be known before they listen. */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
