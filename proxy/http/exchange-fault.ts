import type { RequestContext } from './request-context.js';

/** Where on the request path an error was raised. */
export type FaultStage = 'handler' | 'response' | 'upstream' | 'front';

/** An error raised on behalf of one exchange: it ends that exchange, never the process. */
export interface ExchangeFault {
  readonly entryPoint: string;
  /** The router the request was routed to, '' before routing. */
  readonly router: string;
  readonly stage: FaultStage;
  readonly error: Error;
}

/** Logs and counts faults (operator wiring); one call per fault. */
export type FaultSink = (fault: ExchangeFault) => void;

export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** Reports an error raised for ctx's exchange, once. */
export function reportFault(ctx: RequestContext, stage: FaultStage, err: unknown): void {
  ctx.faults({ entryPoint: ctx.entryPoint, router: ctx.routerName, stage, error: asError(err) });
}

/** Reports an error raised by a front before a request context exists (stage `front`, no router yet), once. */
export function reportFrontFault(ep: { readonly name: string; readonly faults: FaultSink }, err: unknown): void {
  ep.faults({ entryPoint: ep.name, router: '', stage: 'front', error: asError(err) });
}

/** Without an operator (library use, tests): a process warning, which node prints and which never throws. */
export const warnFault: FaultSink = (fault) => {
  process.emitWarning(`entryPoint ${fault.entryPoint} router ${fault.router || '-'} (${fault.stage}): ${fault.error.stack ?? fault.error.message}`);
};
