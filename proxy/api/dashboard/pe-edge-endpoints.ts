import type { RequestContext } from '../../http/request-context.js';
import type { Runtime } from '../../runtime/runtime.js';
import { writeJson } from '../respond.js';
import { configProblems } from '../config-problems.js';

/**
 * pe-edge's own endpoints under `/api/pe-edge/`, which the dashboard polls (Traefik's `/api` paths stay as they
 * are): `timeseries` (requests, 5xx and latency per router and service over the last hour), `changes` (the last
 * configuration changes and the providers' current problems), `certificates`, `containers` (server URL → container).
 * Null for an unknown name.
 */
export function peEdgeEndpoint(name: string): ((ctx: RequestContext, runtime: Runtime) => void) | null {
  switch (name) {
    case 'timeseries':
      return (ctx, rt) => {
        const insights = rt.api?.insights;
        if (insights === undefined || insights === null) {
          writeJson(ctx, null);
          return;
        }
        // Another worker that does not answer in time leaves this one's own history, rather than no chart.
        insights.trafficWindow().then(
          (window) => writeJson(ctx, window),
          () => writeJson(ctx, insights.traffic.window()),
        );
      };
    case 'changes':
      return (ctx, rt) => writeJson(ctx, { changes: rt.api?.insights?.changes.entries() ?? [], problems: configProblems(rt) });
    case 'certificates':
      return (ctx, rt) => writeJson(ctx, certificates(rt));
    case 'containers':
      return (ctx, rt) => writeJson(ctx, Object.fromEntries(rt.api?.insights?.serverContainers ?? []));
    default:
      return null;
  }
}

function certificates(rt: Runtime): object[] {
  const all = [...rt.tls.certificates.map((c) => ({ c, isDefault: false })), { c: rt.tls.defaultCertificate, isDefault: true }];
  return all.map(({ c, isDefault }) => ({
    domains: c.names,
    subject: c.x509.subject.split('\n').find((line) => line.startsWith('CN='))?.slice(3) ?? '',
    issuer: c.x509.issuer.split('\n').find((line) => line.startsWith('CN='))?.slice(3) ?? '',
    notBefore: new Date(c.x509.validFrom).toISOString(),
    notAfter: new Date(c.x509.validTo).toISOString(),
    default: isDefault,
  }));
}
