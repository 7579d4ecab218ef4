// Dynamic configuration is validated per item: a bad router/service/... is reported and left
// out, everything else is kept (DESIGN.md decision 2).
import type { z } from 'zod';
import { fromZodIssues, invalid, notImplemented, type ConfigIssue, type IssueItemKind, type IssuePath as Path } from '../issues.js';
import { isPlainObject } from '../schema/strict-object.js';
import { middlewareDeprecations, routerDeprecations, tlsOptionDeprecations } from './deprecations.js';
import { emptyDynamicConfig, type DynamicConfig } from './config.js';
import { middlewareSchema } from './middlewares/index.js';
import { routerSchema } from './routers.js';
import { readSection } from './sections.js';
import { serversTransportSchema } from './servers-transports.js';
import { serviceSchema } from './services/index.js';
import { tcpMiddlewareSchema, tcpRouterSchema, tcpServersTransportSchema, tcpServiceSchema, udpRouterSchema, udpServiceSchema } from './tcp/index.js';
import { middlewareOptionsNotImplemented, routerOptionsNotImplemented, serviceOptionsNotImplemented, serversTransportOptionsNotImplemented, tcpServersTransportOptionsNotImplemented } from './unimplemented-options.js';
import { tlsOptionsSchema } from './tls-options.js';
import { tlsCertificateSchema, tlsStoreSchema } from './tls-stores.js';

type Warn<T> = (value: T, path: Path, name: string) => ConfigIssue[];

function validateItems<S extends z.ZodTypeAny>(
  raw: unknown,
  schema: S,
  kind: IssueItemKind,
  path: Path,
  issues: ConfigIssue[],
  warn?: Warn<z.output<S>>,
): Record<string, z.output<S>> {
  const out: Record<string, z.output<S>> = {};
  if (raw === null || raw === undefined) return out;
  if (!isPlainObject(raw)) {
    issues.push(invalid(path, `expected a map of ${kind} names to definitions`));
    return out;
  }
  for (const [name, value] of Object.entries(raw)) {
    const parsed = schema.safeParse(value);
    if (parsed.success) {
      const found = warn === undefined ? [] : warn(parsed.data, [...path, name], name);
      issues.push(...found);
      // An option pe-edge cannot honour where ignoring it would weaken security (spiffe) leaves the item out.
      if (!found.some((issue) => issue.severity === 'error')) out[name] = parsed.data as z.output<S>;
    } else issues.push(...fromZodIssues(parsed.error.issues, [...path, name], { kind, name }));
  }
  return out;
}

function both<T>(a: Warn<T>, b: Warn<T>): Warn<T> {
  return (value, path, name) => [...a(value, path, name), ...b(value, path, name)];
}

function validateCertificates(raw: unknown, issues: ConfigIssue[]): DynamicConfig['tls']['certificates'] {
  const path = ['tls', 'certificates'];
  if (raw === null || raw === undefined) return [];
  if (!Array.isArray(raw)) {
    issues.push(invalid(path, 'expected a list of {certFile, keyFile}'));
    return [];
  }
  return raw.flatMap((value: unknown, index) => {
    const parsed = tlsCertificateSchema.safeParse(value);
    if (parsed.success) return [parsed.data];
    issues.push(...fromZodIssues(parsed.error.issues, [...path, index], { kind: 'certificate', name: `certificates[${index}]` }));
    return [];
  });
}

export function validateDynamicConfig(raw: unknown): { config: DynamicConfig; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const config = emptyDynamicConfig();
  const top = readSection(raw, ['http', 'tcp', 'udp', 'tls'] as const, [], issues);

  const http = readSection(top.http, ['routers', 'services', 'middlewares', 'serversTransports', 'models'] as const, ['http'], issues);
  // Traefik's models are made from entryPoints.<ep>.http (pe-edge does that itself); one written in a file is ignored.
  if (http.models !== undefined) issues.push(notImplemented(['http', 'models']));
  config.http.routers = validateItems(http.routers, routerSchema, 'router', ['http', 'routers'], issues, both(routerDeprecations, routerOptionsNotImplemented));
  config.http.services = validateItems(http.services, serviceSchema, 'service', ['http', 'services'], issues, serviceOptionsNotImplemented);
  config.http.middlewares = validateItems(http.middlewares, middlewareSchema, 'middleware', ['http', 'middlewares'], issues, both(middlewareDeprecations, middlewareOptionsNotImplemented));
  config.http.serversTransports = validateItems(http.serversTransports, serversTransportSchema, 'serversTransport', ['http', 'serversTransports'], issues, serversTransportOptionsNotImplemented);

  const tls = readSection(top.tls, ['certificates', 'options', 'stores'] as const, ['tls'], issues);
  config.tls.certificates = validateCertificates(tls.certificates, issues);
  config.tls.options = validateItems(tls.options, tlsOptionsSchema, 'tlsOption', ['tls', 'options'], issues, tlsOptionDeprecations);
  config.tls.stores = validateItems(tls.stores, tlsStoreSchema, 'tlsStore', ['tls', 'stores'], issues);

  const tcp = readSection(top.tcp, ['routers', 'services', 'middlewares', 'serversTransports'] as const, ['tcp'], issues);
  config.tcp.routers = validateItems(tcp.routers, tcpRouterSchema, 'tcpRouter', ['tcp', 'routers'], issues);
  config.tcp.services = validateItems(tcp.services, tcpServiceSchema, 'tcpService', ['tcp', 'services'], issues);
  config.tcp.middlewares = validateItems(tcp.middlewares, tcpMiddlewareSchema, 'tcpMiddleware', ['tcp', 'middlewares'], issues);
  config.tcp.serversTransports = validateItems(tcp.serversTransports, tcpServersTransportSchema, 'tcpServersTransport', ['tcp', 'serversTransports'], issues, tcpServersTransportOptionsNotImplemented);
  const udp = readSection(top.udp, ['routers', 'services'] as const, ['udp'], issues);
  config.udp.routers = validateItems(udp.routers, udpRouterSchema, 'udpRouter', ['udp', 'routers'], issues);
  config.udp.services = validateItems(udp.services, udpServiceSchema, 'udpService', ['udp', 'services'], issues);
  return { config, issues };
}
