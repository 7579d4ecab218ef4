import type { RequestContext } from '../http/request-context.js';
import { sendBody, sendGoError } from '../http/traefik-responses.js';

/** Success as Go's json.Encoder writes it: JSON plus a newline. */
export function writeJson(ctx: RequestContext, body: unknown, headers: Record<string, string> = {}): void {
  sendBody(ctx, 200, 'application/json', `${JSON.stringify(body)}\n`, { ...headers });
}

/** Go's http.Error: text/plain even when the body is JSON, trailing newline. */
export function writeError(ctx: RequestContext, status: number, body: string): void {
  sendGoError(ctx, status, body);
}

export function writeMessage(ctx: RequestContext, status: number, message: string): void {
  writeError(ctx, status, JSON.stringify({ message }));
}
