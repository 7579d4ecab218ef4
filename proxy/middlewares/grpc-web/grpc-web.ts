import { isBodilessStatus } from '../../http/bodiless-status.js';
import { canonicalHeaderKey } from '../../http/go-text.js';
import { removeResponseHeader, requestBodyStream, responseHooks, type BodySink, type Handler, type RequestContext, type ResponseHeaders, type ResponseHooks } from '../../http/request-context.js';
import { firstHeaderValue, forgetRequestLength, setRequestHeader } from '../../http/request-header-edit.js';
import { answer } from '../../http/traefik-responses.js';
import { decodedTextBody, GrpcWebAnswerBody } from './grpc-web-body.js';
import { actualRequestHeaders, asksForGrpcWebCors, isPreflight, originCheck, preflightHeaders, type OriginCheck } from './grpc-web-cors.js';
import { grpcWebContentType, grpcWebKind } from './grpc-web-protocol.js';

/** labels-spec `grpcWeb`, validated and defaulted. */
export interface GrpcWebOptions {
  allowOrigins: string[];
}

/**
 * Traefik's grpcWeb: the gRPC-Web wrapper (traefik/grpc-web v0.16.0) around the rest of the chain, with
 * `WithCorsForRegisteredEndpointsOnly(false)` and `allowOrigins` as its origin check. A gRPC-Web POST (Content-Type
 * `application/grpc-web*`) goes on as gRPC: `application/grpc*`, no Content-Length, a `-text` body decoded from
 * base64. Its answer comes back as gRPC-Web: the content type rewritten, the backend's trailers in a trailer frame
 * at the end of the body (base64 in `-text` mode), every header name exposed to the page. An OPTIONS asking for
 * `x-grpc-web` is a CORS preflight answered here. Every other request passes through untouched.
 */
export function createGrpcWeb(options: GrpcWebOptions, next: Handler): Handler {
  const allowed = originCheck(options.allowOrigins);
  return (ctx: RequestContext): void => {
    const method = ctx.method;
    // An upgrade has no answer body to rewrite (the wrapper's websocket mode is off in Traefik): it steps aside.
    if ((method !== 'POST' && method !== 'OPTIONS') || ctx.upgrade !== null) return next(ctx);
    const headers = ctx.req.headers;
    const contentType = firstHeaderValue(headers['content-type']);
    const kind = grpcWebKind(contentType);
    if ((method !== 'POST' || kind === null) && !asksForGrpcWebCors(method, firstHeaderValue(headers['access-control-request-headers']))) return next(ctx);
    const origin = firstHeaderValue(headers.origin);
    const requestMethod = firstHeaderValue(headers['access-control-request-method']);
    if (isPreflight(method, requestMethod)) {
      const preflight = preflightHeaders(allowed, origin, requestMethod, firstHeaderValue(headers['access-control-request-headers']));
      preflight['content-length'] = '0';
      answer(ctx, 200, preflight, '');
      return;
    }
    // An OPTIONS asking for x-grpc-web without a method to check is served as a gRPC-Web request (rs/cors's
    // "actual request"), whatever its content type: the wrapper does the same.
    const text = kind?.text ?? false;
    setRequestHeader(ctx, 'Content-Type', kind?.grpcContentType ?? contentType.replace('application/grpc-web', 'application/grpc'));
    // The client's length is of the HTTP/1.1 payload, not of what goes upstream (the wrapper deletes it too).
    forgetRequestLength(ctx);
    const body = requestBodyStream(ctx);
    ctx.streamedBody = body === null ? null : text ? decodedTextBody(body) : body;
    new GrpcWebAnswer(ctx, allowed, origin, text).install();
    next(ctx);
  };
}

/** One gRPC-Web answer in the making: its head, body and trailers hooks, and the trailers they carry to the body. */
class GrpcWebAnswer {
  private trailers: ResponseHeaders | null = null;
  /** A body-rewriting middleware around grpcWeb (compress): it takes the gRPC-Web body, as its writer wraps ours in Traefik. */
  private outer: ResponseHooks['body'] = null;

  constructor(private readonly ctx: RequestContext, private readonly allowed: OriginCheck, private readonly origin: string, private readonly text: boolean) {}

  install(): void {
    const hooks = responseHooks(this.ctx);
    this.outer = hooks.body;
    hooks.headers.push(this.head);
    hooks.body = this.body;
    hooks.trailers = this.takeTrailers;
  }

  /**
   * The wrapper's prepareHeaders: the CORS headers first, the backend's over them (same name, backend wins), no
   * `Trailer`, the content type made gRPC-Web, and every header name the answer has exposed to the page with
   * grpc-status and grpc-message (what the JavaScript client reads). Also for pe-edge's own answers (a 502).
   */
  private readonly head = (_status: number, headers: ResponseHeaders): void => {
    for (const [name, value] of actualRequestHeaders(this.allowed, this.origin)) if (headers[name] === undefined) headers[name] = value;
    removeResponseHeader(headers, 'trailer');
    const type = headers['content-type'];
    if (type !== undefined) headers['content-type'] = Array.isArray(type) ? type.map((t) => grpcWebContentType(t, this.text)) : grpcWebContentType(type, this.text);
    // The body grows by the trailer frame (and by base64): its length is no longer the backend's.
    removeResponseHeader(headers, 'content-length');
    const names: string[] = [];
    for (const name in headers) if (headers[name] !== undefined) names.push(canonicalHeaderKey(name));
    names.push('grpc-status', 'grpc-message');
    headers['access-control-expose-headers'] = names.join(', ');
  };

  private readonly body = (status: number, headers: ResponseHeaders, sendHead: () => void): BodySink | null => {
    // A status without a body keeps it so: Go's writer refuses the trailer frame there.
    if (isBodilessStatus(status)) return this.outer?.(status, headers, sendHead) ?? null;
    // Set again by a buffering after grpcWeb (the held body's length): the frame would overrun it (Go's server
    // then cuts the body at that length, so Traefik loses the trailer frame there).
    removeResponseHeader(headers, 'content-length');
    const outer = this.outer?.(status, headers, sendHead) ?? null;
    let target: BodySink;
    if (outer !== null) {
      target = outer;
    } else {
      sendHead();
      target = this.ctx.res;
    }
    return new GrpcWebAnswerBody(target, this.text, this.trailerFields);
  };

  private readonly takeTrailers = (trailers: ResponseHeaders): void => {
    this.trailers = trailers;
  };

  private readonly trailerFields = (): ResponseHeaders | null => this.trailers;
}
