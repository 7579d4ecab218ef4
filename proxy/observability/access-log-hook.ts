import type { RequestContext } from '../http/request-context.js';
import { endToEndResponseHeaders } from '../http/hop-by-hop.js';
import { joinHostPort } from '../http/host-port.js';
import { goEscapedPath } from '../http/go-escaped-path.js';
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
    const forwardedFor = ctx.trustForwarded ? ctx.req.headers['x-forwarded-for'] : undefined;
    // hrtime read once: the start is now minus the duration in whole milliseconds (truncated, as the BigInt division was).
    const durationNs = Number(process.hrtime.bigint() - ctx.startedAt);
    const tls = ctx.tlsConnection?.facts() ?? null;
    accessLog.log({
      start: new Date(Date.now() - Math.trunc(durationNs / 1e6)),
      durationNs,
      clientAddr: joinHostPort(ctx.clientIp, ctx.clientPort),
      clientHost: typeof forwardedFor === 'string' && forwardedFor !== '' ? forwardedFor : ctx.clientIp,
      clientPort: ctx.clientPort,
      username: ctx.username === '' ? undefined : ctx.username,
      method: ctx.method,
      path: requestPath(ctx),
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
      // Always the same properties, absent ones undefined: one object shape for every entry.
      requestHeaders: headers ? ctx.req.headers : undefined,
      downstreamHeaders: headers ? res.sentHeaders() : undefined,
      // What Go's ReverseProxy copies of the server's head: its hop-by-hop headers removed.
      originHeaders: headers && ctx.originHeaders ? endToEndResponseHeaders(ctx.originHeaders) : undefined,
      tlsVersion: tls !== null ? tls.protocol?.replace('TLSv', '') ?? undefined : undefined,
      tlsCipher: tls !== null ? tls.cipher : undefined,
    });
  };
}

/**
 * Traefik's RequestPath: the URL as its access log saw it, before the router's middlewares (stripPrefix, addPrefix,
 * replacePath...) changed it, written by Go's url.String(): the path as Go escapes it, and `?` for an empty query.
 */
function requestPath(ctx: RequestContext): string {
  const path = goEscapedPath(ctx.receivedPath);
  // The entrypoint reads a query's `;` as `&` (http.AllowQuerySemicolons) before the access log sees the URL.
  if (ctx.rawQuery !== '') return `${path}?${ctx.rawQuery.includes(';') ? ctx.rawQuery.replaceAll(';', '&') : ctx.rawQuery}`;
  return ctx.req.url?.endsWith('?') === true ? `${path}?` : path;
}

function headerString(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(', ') : v;
}
