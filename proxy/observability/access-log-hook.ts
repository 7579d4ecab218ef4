import type { RequestContext } from '../http/request-context.js';
import { createAccessLog, type AccessLog, type AccessLogConfig } from './access-log.js';
import { requestBodySize, responseBodySize } from './response-size.js';
import { finalStatus } from './final-status.js';

/**
 * The entrypoint's end-of-request hook that feeds the access log, or null when accessLog is off,
 * so a disabled access log costs nothing per request.
 */
export function createAccessLogHook(cfg: AccessLogConfig | undefined, accessLog: AccessLog | null = createAccessLog(cfg)): ((ctx: RequestContext) => void) | null {
  if (accessLog === null) return null;
  const headers = accessLog.wantsHeaders;
  let requestCount = 0;
  // Traefik leaves requests of @internal routers (ping, redirections, /metrics, /api) out unless asked.
  const internals = (cfg as { addInternals?: boolean } | undefined)?.addInternals === true;
  return (ctx: RequestContext): void => {
    requestCount++;
    if (!internals && ctx.routerName.endsWith('@internal')) return;
    const res = ctx.res;
    const socket = ctx.req.socket;
    const forwardedFor = ctx.trustForwarded ? ctx.req.headers['x-forwarded-for'] : undefined;
    accessLog.log({
      start: new Date(Date.now() - Number((process.hrtime.bigint() - ctx.startedAt) / 1_000_000n)),
      durationNs: Number(process.hrtime.bigint() - ctx.startedAt),
      clientAddr: `${ctx.clientIp}:${ctx.clientPort}`,
      clientHost: typeof forwardedFor === 'string' && forwardedFor !== '' ? forwardedFor : ctx.clientIp,
      clientPort: ctx.clientPort,
      method: ctx.method,
      path: ctx.rawPath + (ctx.rawQuery === '' ? '' : '?' + ctx.rawQuery),
      protocol: `HTTP/${ctx.req.httpVersion}`,
      host: ctx.hostHeader,
      scheme: ctx.tls ? 'https' : 'http',
      requestContentSize: requestBodySize(ctx),
      status: finalStatus(res),
      size: responseBodySize(ctx),
      referer: headerString(ctx.req.headers.referer),
      userAgent: headerString(ctx.req.headers['user-agent']),
      requestCount,
      routerName: ctx.routerName === '' ? undefined : ctx.routerName,
      serviceName: ctx.serviceName === '' ? undefined : ctx.serviceName,
      serviceUrl: ctx.serviceUrl === '' ? undefined : ctx.serviceUrl,
      originStatus: ctx.serviceUrl === '' ? undefined : res.statusCode,
      retryAttempts: ctx.retries,
      ...(headers ? { requestHeaders: ctx.req.headers, downstreamHeaders: res.sentHeaders() } : {}),
      tlsVersion: ctx.tls ? socket.getProtocol?.()?.replace('TLSv', '') ?? undefined : undefined,
      tlsCipher: ctx.tls ? socket.getCipher?.()?.standardName : undefined,
    });
  };
}

function headerString(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(', ') : v;
}
