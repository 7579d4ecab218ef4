import type { RequestContext } from '../http/request-context.js';
import { createAccessLog, type AccessLogConfig } from './access-log.js';
import { responseBodySize } from './response-size.js';

/**
 * The entrypoint's end-of-request hook that feeds the access log, or null when accessLog is off,
 * so a disabled access log costs nothing per request.
 */
export function createAccessLogHook(cfg: AccessLogConfig | undefined): ((ctx: RequestContext) => void) | null {
  const accessLog = createAccessLog(cfg);
  if (accessLog === null) return null;
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
      // A client that went away before an answer gets Traefik's 499.
      status: res.completed ? res.statusCode : 499,
      size: responseBodySize(ctx),
      referer: headerString(ctx.req.headers.referer),
      userAgent: headerString(ctx.req.headers['user-agent']),
      requestCount,
      routerName: ctx.routerName === '' ? undefined : ctx.routerName,
      serviceName: ctx.serviceName === '' ? undefined : ctx.serviceName,
      serviceUrl: ctx.serviceUrl === '' ? undefined : ctx.serviceUrl,
      originStatus: ctx.serviceUrl === '' ? undefined : res.statusCode,
      tlsVersion: ctx.tls ? socket.getProtocol?.()?.replace('TLSv', '') ?? undefined : undefined,
      tlsCipher: ctx.tls ? socket.getCipher?.()?.standardName : undefined,
    });
  };
}

function headerString(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(', ') : v;
}
