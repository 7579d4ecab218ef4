// Options Traefik still parses but deprecates or ignores: valid, yet worth a warning so that
// nothing is silently without effect.
import { deprecated, type ConfigIssue, type IssuePath as Path } from '../issues.js';
import type { Middleware } from './middlewares/index.js';
import type { Router } from './routers.js';
import type { TlsOptions } from './tls-options.js';


const IGNORED_HEADERS_OPTIONS = ['featurePolicy', 'sslRedirect', 'sslTemporaryRedirect', 'sslHost', 'sslForceHost'] as const;

export function middlewareDeprecations(m: Middleware, path: Path, name: string): ConfigIssue[] {
  const item = { kind: 'middleware', name } as const;
  if ('ipWhiteList' in m) return [deprecated([...path, 'ipWhiteList'], 'deprecated; rename to ipAllowList', item)];
  if ('stripPrefix' in m && m.stripPrefix.forceSlash !== undefined) {
    return [deprecated([...path, 'stripPrefix', 'forceSlash'], 'deprecated; remove it (only an explicit true is honoured)', item)];
  }
  if ('contentType' in m && m.contentType.autoDetect !== undefined) {
    return [deprecated([...path, 'contentType', 'autoDetect'], 'deprecated; use `contentType: {}` to enable, or remove the middleware', item)];
  }
  if ('forwardAuth' in m && m.forwardAuth.tls?.caOptional !== undefined) {
    return [deprecated([...path, 'forwardAuth', 'tls', 'caOptional'], 'deprecated and ignored; remove it', item)];
  }
  if ('headers' in m) {
    const options = m.headers;
    return IGNORED_HEADERS_OPTIONS.filter((k) => options[k] !== undefined).map((k) =>
      deprecated([...path, 'headers', k], 'removed in Traefik v3 and ignored; use a redirectScheme middleware or permissionsPolicy instead', item),
    );
  }
  return [];
}

export function routerDeprecations(r: Router, path: Path, name: string): ConfigIssue[] {
  if (r.ruleSyntax !== 'v2') return [];
  return [deprecated([...path, 'ruleSyntax'], 'the v2 rule syntax is deprecated; rewrite the rule in v3 syntax', { kind: 'router', name })];
}

export function tlsOptionDeprecations(o: TlsOptions, path: Path, name: string): ConfigIssue[] {
  if (o.preferServerCipherSuites === undefined) return [];
  return [deprecated([...path, 'preferServerCipherSuites'], 'deprecated and ignored; remove it', { kind: 'tlsOption', name })];
}
