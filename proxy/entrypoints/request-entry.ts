import type { Socket } from 'node:net';
import type { BlockList } from 'node:net';
import type { ClientRequest, ClientResponse, RequestContext, UpgradeRequest } from '../http/request-context.js';
import { canonicalHost, clientAddress, splitRequestTarget } from '../http/request-target.js';
import { sendBareStatus, sendGoError, sendNotFound } from '../http/traefik-responses.js';
import type { Runtime } from '../runtime/runtime.js';

/** Per-entrypoint facts the request path needs, fixed when the entrypoint starts. */
export interface EntryPointContext {
  readonly name: string;
  readonly getRuntime: () => Runtime;
  /** forwardedHeaders.insecure */
  readonly trustAll: boolean;
  /** forwardedHeaders.trustedIPs, null when none. */
  readonly trusted: BlockList | null;
  /** Called once per request when its response is over (access log); null costs nothing. */
  readonly onDone: ((ctx: RequestContext) => void) | null;
}

/** Reads the current runtime once, routes the request and runs the matched router's chain. */
export function handleRequest(ep: EntryPointContext, req: ClientRequest, res: ClientResponse, tls: boolean, upgrade: UpgradeRequest | null): void {
  const runtime = ep.getRuntime();
  const url = req.url ?? '/';
  const { rawPath, path, rawQuery } = splitRequestTarget(url);
  const hostHeader = req.headers.host ?? (req.headers[':authority'] as string | undefined) ?? '';
  const socket = req.socket as Socket;
  const clientIp = clientAddress(socket.remoteAddress);
  const ctx: RequestContext = {
    req,
    res,
    host: canonicalHost(hostHeader),
    hostHeader,
    method: req.method ?? 'GET',
    path,
    rawPath,
    rawQuery,
    clientIp,
    clientPort: socket.remotePort ?? 0,
    tls,
    entryPoint: ep.name,
    trustForwarded: ep.trustAll || (ep.trusted !== null && clientIp !== '' && ep.trusted.check(clientIp, clientIp.includes(':') ? 'ipv6' : 'ipv4')),
    routerName: '',
    serviceName: '',
    serviceUrl: '',
    startedAt: process.hrtime.bigint(),
    body: null,
    bytesSent: 0,
    response: null,
    upgrade,
  };
  if (ep.onDone !== null) {
    const done = ep.onDone;
    res.once('close', () => done(ctx));
  }
  // Go rejects a raw '#' in the request target; Traefik answers 400 with an empty body.
  if (rawPath.includes('#')) {
    sendBareStatus(res, 400, '');
    return;
  }
  const tables = runtime.entryPoints.get(ep.name);
  const target = tables === undefined ? undefined : (tls ? tables.https : tables.http).find(ctx);
  if (target === undefined) {
    sendNotFound(res);
    return;
  }
  ctx.routerName = target.name;
  try {
    target.handler(ctx);
  } catch (err) {
    // A handler bug must cost one request, never the process.
    sendGoError(res, 500, 'Internal Server Error');
    process.emitWarning(`router ${target.name}: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  }
}
