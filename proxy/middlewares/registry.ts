import type { Handler } from '../http/request-context.js';
import { createBuffering, type BufferingOptions } from './buffering.js';
import { createRedirectScheme, type RedirectSchemeOptions } from './redirect-scheme.js';

/** Builds one middleware instance (per router, as Traefik does) around the next handler. */
export type MiddlewareFactory = (options: unknown, next: Handler) => Handler;

/**
 * Middleware types pe-edge implements, by Traefik's type key. Every other valid Traefik type is accepted
 * by the schema but disables the routers that use it with a "not implemented yet" error.
 */
const FACTORIES: ReadonlyMap<string, MiddlewareFactory> = new Map<string, MiddlewareFactory>([
  ['redirectScheme', (options, next) => createRedirectScheme(options as RedirectSchemeOptions, next)],
  ['buffering', (options, next) => createBuffering(options as BufferingOptions, next)],
]);

export function middlewareFactory(type: string): MiddlewareFactory | undefined {
  return FACTORIES.get(type);
}

export function implementedMiddlewareTypes(): string[] {
  return [...FACTORIES.keys()];
}
