import { deleteRequestHeader, setRequestHeader } from '../../http/request-header-edit.js';
import { removeResponseHeader, type RequestContext, type ResponseHeaders } from '../../http/request-context.js';
import { requestHeaderAsTraefikSees } from '../../http/forwarded-view.js';
import { BODY_FRAMING_HEADERS } from '../../http/request-body-framing.js';
import { deletedByMiddleware, ENTRYPOINT_SET_HEADERS } from '../../http/forwarded-headers.js';

type RequestEdit =
  | { kind: 'delete'; name: string }
  | { kind: 'omitForwardedFor' }
  | { kind: 'host'; value: string }
  | { kind: 'set'; name: string; value: string };

/**
 * customRequestHeaders / customResponseHeaders, compiled once: "" deletes, `Host` sets the upstream Host. A response's
 * framing is the body's: a Content-Length or Transfer-Encoding value from customResponseHeaders is not written
 * (deleting them is: the answer then goes chunked). Go's server cuts the connection after a declared length;
 * relayed whole under a shorter one, the rest of the body would be read as the client's next answer.
 */
export class CustomHeaders {
  private readonly requestEdits: readonly RequestEdit[];
  /** [lower-case name, value or null to delete]. */
  private readonly responseEdits: readonly (readonly [string, string | null])[];

  constructor(request: Record<string, string> | undefined, response: Record<string, string> | undefined) {
    // `Host: ""` is Go's Header.Del("Host"), which does nothing: req.Host is not a header.
    const entries = Object.entries(request ?? {}).filter(([name, value]) => !(value === '' && name.toLowerCase() === 'host'));
    this.requestEdits = entries.map(([name, value]): RequestEdit => {
      // Only the canonical spelling hits Go's nil-header case; other spellings are a plain delete.
      if (value === '' && name === 'X-Forwarded-For') return { kind: 'omitForwardedFor' };
      if (value === '') return { kind: 'delete', name };
      if (name.toLowerCase() === 'host') return { kind: 'host', value };
      return { kind: 'set', name, value };
    });
    this.responseEdits = Object.entries(response ?? {})
      .map(([name, value]) => [name.toLowerCase(), value === '' ? null : value] as const)
      .filter(([name, value]) => value === null || !BODY_FRAMING_HEADERS.has(name));
  }

  get editsRequest(): boolean {
    return this.requestEdits.length !== 0;
  }

  get editsResponse(): boolean {
    return this.responseEdits.length !== 0;
  }

  editRequest(ctx: RequestContext): void {
    for (const edit of this.requestEdits) {
      // Go's req.Host is not a header: the forwarder sends ctx.hostHeader (passHostHeader) as Host.
      if (edit.kind === 'host') replaceHost(ctx, edit.value);
      else if (edit.kind === 'delete') {
        deleteRequestHeader(ctx, edit.name);
        const lower = edit.name.toLowerCase();
        if (ENTRYPOINT_SET_HEADERS.has(lower) && !deletedByMiddleware(ctx, lower)) (ctx.deletedForwarded ??= []).push(lower);
      }
      else if (edit.kind === 'omitForwardedFor') {
        deleteRequestHeader(ctx, 'X-Forwarded-For');
        ctx.omitForwardedFor = true;
      }
      else setRequestHeader(ctx, edit.name, edit.value);
    }
  }

  editResponse(headers: ResponseHeaders): void {
    for (const [name, value] of this.responseEdits) {
      if (value === null) removeResponseHeader(headers, name);
      else headers[name] = value;
    }
  }
}

/**
 * Traefik's entrypoint set X-Forwarded-Host/Port from the client's Host before any middleware ran; the
 * forwarder derives them from ctx.hostHeader, so they are pinned to the original values first.
 */
function replaceHost(ctx: RequestContext, host: string): void {
  for (const [lower, name] of PINNED) {
    if (ctx.trustForwarded && ctx.req.headers[lower] !== undefined) continue;
    setRequestHeader(ctx, name, requestHeaderAsTraefikSees(ctx, lower));
  }
  ctx.hostHeader = host;
}

const PINNED = [['x-forwarded-host', 'X-Forwarded-Host'], ['x-forwarded-port', 'X-Forwarded-Port']] as const;
