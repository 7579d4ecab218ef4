import { responseHooks, type Handler, type RequestContext, type ResponseHeaders } from '../../http/request-context.js';
import { Cors } from './cors.js';
import { CustomHeaders } from './custom-headers.js';
import { hasCorsHeaders, hasCustomHeaders, hasSecureHeaders, headersOptionsOnTheWire, type HeadersOptions } from './headers-options.js';
import { createSecurityHeaders } from './security-headers.js';

export type { HeadersOptions } from './headers-options.js';

type HeaderHook = (status: number, headers: ResponseHeaders) => void;

/**
 * Traefik's `headers` middleware: the custom/CORS handler wraps the security handler, so on the way in
 * preflights are answered and custom request headers set before the allowed-hosts check, and on the way
 * back custom response headers are applied after (over) the security headers.
 */
export function createHeaders(configured: HeadersOptions, next: Handler): Handler {
  const o = headersOptionsOnTheWire(configured);
  const secure = hasSecureHeaders(o);
  const custom = hasCustomHeaders(o);
  const corsSet = hasCorsHeaders(o);
  if (!secure && !custom && !corsSet) throw new Error('headers configuration not valid: set at least one option');
  const inner = secure ? createSecurityHeaders(o, next) : next;
  if (!custom && !corsSet) return inner;

  const headers = new CustomHeaders(o.customRequestHeaders, o.customResponseHeaders);
  const cors = new Cors(o);
  const preflight = corsSet;
  const editsRequest = headers.editsRequest;
  const respond = (h: ResponseHeaders, origin: string | null): void => {
    headers.editResponse(h);
    cors.applyResponse(h, origin);
  };
  const needsHook = headers.editsResponse || cors.checksOrigin || cors.credentials || cors.exposeHeaders !== '' || cors.addVary;
  // One hook per possible fixed Access-Control-Allow-Origin value, so most requests allocate nothing.
  const noOrigin: HeaderHook = (_s, h) => respond(h, null);
  const byListItem = new Map<string, HeaderHook>(cors.listItems().map((item) => [item, (_s, h) => respond(h, item)]));

  return (ctx: RequestContext): void => {
    if (preflight && cors.isPreflight(ctx)) {
      cors.answerPreflight(ctx);
      return;
    }
    if (editsRequest) headers.editRequest(ctx);
    if (needsHook) responseHooks(ctx).headers.push(cors.checksOrigin ? originHook(ctx) : noOrigin);
    inner(ctx);
  };

  function originHook(ctx: RequestContext): HeaderHook {
    const value = ctx.req.headers.origin;
    const origin = value === undefined ? '' : value;
    const match = cors.allowedOrigin(origin);
    if (match === null) return noOrigin;
    // A regex match echoes the request's Origin: the one case that needs a closure per request.
    return byListItem.get(match) ?? ((_s, h) => respond(h, match));
  }
}
