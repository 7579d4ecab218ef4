// `pe-edge check`: a router naming a certificate resolver the static configuration does not declare. The running
// edge serves it without that resolver's certificates (a warning on the router); before a deploy it is an error.
import type { StaticConfig, TcpRouter } from '../../labels-spec/index.js';
import { declaredResolvers, effectiveEntryPoints } from '../aggregation/build-input.js';
import type { KeyPath } from '../config-files/read-config-file.js';
import type { ContainerResult } from '../providers/docker/container-config.js';
import { resolverHint } from '../../proxy/runtime/certificate-resolver-check.js';
import type { Runtime } from '../../proxy/runtime/runtime.js';

/** Where check read things from, to name the label, file or key that set a router's resolver. */
export interface ResolverOrigins {
  /** The static configuration file (traefik.yml), when one was read. */
  staticFile?: string | undefined;
  /** `file:line` of a key of the file provider's configuration. */
  locateFile?: ((path: KeyPath) => string | undefined) | undefined;
  containers: readonly ContainerResult[];
}

/** `tcpRouters`: the merged TCP routers; one naming an undeclared resolver gets no certificate either (Traefik's ACME provider skips it). */
export function unknownResolverErrors(config: StaticConfig, runtime: Pick<Runtime, 'config' | 'status'>, origins: ResolverOrigins, tcpRouters: Readonly<Record<string, TcpRouter>> = {}): string[] {
  const declared = declaredResolvers(config);
  const entryPoints = effectiveEntryPoints(config);
  const out: string[] = [];
  const report = (router: string, resolver: string, where: string, kind = 'router'): void => {
    out.push(`${kind} "${router}" (${where}): certificate resolver "${resolver}" is not declared in the static configuration${resolverHint(resolver, declared)}; pe-edge would serve the router without its certificates (the default certificate)`);
  };
  for (const [name, router] of Object.entries(runtime.config.routers)) {
    const own = router.tls?.certResolver;
    if (router.tls != null) {
      if (own !== undefined && own !== '' && !declared.has(own)) report(name, own, routerOrigin(name, origins, 'http'));
      continue;
    }
    // No tls of its own: each entrypoint's http.tls applies (as the running edge plans certificates).
    for (const ep of runtime.status.get('router', name)?.using ?? []) {
      const resolver = entryPoints[ep]?.http.tls?.certResolver;
      if (resolver !== undefined && resolver !== '' && !declared.has(resolver)) {
        report(name, resolver, `entryPoints.${ep}.http.tls.certResolver${origins.staticFile !== undefined ? ` in ${origins.staticFile}` : ''}`);
      }
    }
  }
  for (const [name, router] of Object.entries(tcpRouters)) {
    const own = router.tls?.certResolver;
    if (own !== undefined && own !== '' && !declared.has(own)) report(name, own, routerOrigin(name, origins, 'tcp'), 'TCP router');
  }
  return out;
}

/** The label and containers of a Docker router, the file and line of a file router. */
function routerOrigin(router: string, origins: ResolverOrigins, protocol: 'http' | 'tcp'): string {
  const at = router.lastIndexOf('@');
  const bare = at === -1 ? router : router.slice(0, at);
  const provider = at === -1 ? '' : router.slice(at + 1);
  if (provider === 'docker') {
    const wanted = `traefik.${protocol}.routers.${bare}.tls.certresolver`.toLowerCase();
    let label: string | undefined;
    const containers: string[] = [];
    for (const r of origins.containers) {
      const key = Object.keys(r.container.labels).find((k) => k.toLowerCase() === wanted);
      if (key === undefined) continue;
      label ??= key;
      containers.push(r.container.name);
    }
    if (label !== undefined) return `label "${label}" on container${containers.length > 1 ? 's' : ''} ${containers.join(', ')}`;
  }
  if (provider === 'file') {
    const where = origins.locateFile?.([protocol, 'routers', bare, 'tls', 'certResolver']);
    if (where !== undefined) return `${protocol}.routers.${bare}.tls.certResolver in ${where}`;
  }
  return `tls.certResolver of ${provider === '' ? 'the router' : `provider ${provider}`}`;
}
