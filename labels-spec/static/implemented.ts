// Which static keys pe-edge acts on today. Any other valid key that is present gets one
// PE_NOT_IMPLEMENTED warning, so a Traefik file still loads but nothing is silently ignored.
import { isPlainObject } from '../schema/strict-object.js';
import { notImplemented, type ConfigIssue } from '../issues.js';

/** `true`: the key and everything below it is implemented; an object: only the listed children. */
export type ImplementedTree = true | { readonly [key: string]: ImplementedTree };

const ANY_NAME = '*';

export const implementedStatic: ImplementedTree = {
  global: { checkNewVersion: true, sendAnonymousUsage: true },
  entryPoints: {
    [ANY_NAME]: {
      address: true,
      asDefault: true,
      allowACMEByPass: true,
      http: { redirections: { entryPoint: true }, tls: true, middlewares: true, maxHeaderBytes: true, sanitizePath: true, encodedCharacters: true, underscoreHeadersStrategy: true },
      // The HTTP/2 fronts' (h2 and h2c) HPACK table sizes and stream limit.
      http2: { maxDecoderHeaderTableSize: true, maxEncoderHeaderTableSize: true, maxConcurrentStreams: true },
      transport: { respondingTimeouts: true, lifeCycle: true },
      forwardedHeaders: { insecure: true, trustedIPs: true, notAppendXForwardedFor: true },
      proxyProtocol: true,
      // The UDP session idle timeout (proxy/udp).
      udp: { timeout: true },
    },
  },
  providers: {
    providersThrottleDuration: true,
    // Ties of router priorities go to the provider listed first (proxy/rules/priority.ts).
    precedence: true,
    file: true,
    docker: { endpoint: true, exposedByDefault: true, network: true, useBindPortIP: true, watch: true, defaultRule: true, allowEmptyServices: true, httpClientTimeout: true, constraints: true },
    swarm: { endpoint: true, exposedByDefault: true, network: true, useBindPortIP: true, watch: true, defaultRule: true, allowEmptyServices: true, httpClientTimeout: true, constraints: true, refreshSeconds: true },
  },
  log: { level: true, format: true, filePath: true },
  accessLog: { filePath: true, format: true, bufferingSize: true, filters: true, fields: { defaultMode: true, names: true, headers: true, queryParameters: true }, addInternals: true },
  ping: true,
  // The REST API and the dashboard (api.dashboard, default true); api.debug gets the generic warning.
  // dashboardName: the name /api/version gives (pe-edge's own dashboard does not show it); basePath is warned.
  api: { insecure: true, dashboard: true, dashboardName: true },
  // Prometheus with all its options; other backends (datadog, statsD, influxDB2, otlp) get a warning naming them.
  metrics: { addInternals: true, prometheus: true },
  serversTransport: { insecureSkipVerify: true, rootCAs: true, maxIdleConnsPerHost: true, maxConnsPerHost: true, forwardingTimeouts: true },
  // default@internal for TCP services naming no serversTransport (proxy/tcp/default-transport.ts); tls.spiffe is an error (validate.ts).
  // terminationDelay is read and, as in Traefik, without effect: such services take their own deprecated field's.
  tcpServersTransport: { dialTimeout: true, dialKeepAlive: true, terminationDelay: true, tls: { insecureSkipVerify: true, rootCAs: true } },
  core: { defaultRuleSyntax: true },
  certificatesResolvers: {
    [ANY_NAME]: {
      acme: {
        email: true, caServer: true, storage: true, keyType: true, certificatesDuration: true, preferredChain: true, eab: true,
        caCertificates: true, caSystemCertPool: true, caServerName: true, clientTimeout: true,
        httpChallenge: { entryPoint: true, delay: true }, tlsChallenge: { delay: true },
        dnsChallenge: { provider: true, delayBeforeCheck: true, resolvers: true, disablePropagationCheck: true, propagation: { delayBeforeChecks: true, disableChecks: true } },
        renewSchedule: true,
        redisStorage: true,
      },
    },
  },
};

function childTree(tree: { readonly [key: string]: ImplementedTree }, key: string): ImplementedTree | undefined {
  const lower = key.toLowerCase();
  for (const [name, sub] of Object.entries(tree)) if (name.toLowerCase() === lower) return sub;
  return tree[ANY_NAME];
}

function itemOf(path: readonly string[]): ConfigIssue['item'] {
  const [section = '', name] = path;
  if (section.toLowerCase() === 'entrypoints' && name !== undefined) return { kind: 'entryPoint', name };
  return { kind: 'static', name: section };
}

/**
 * Warns once per present, not-implemented key (the topmost one). Keys already reported
 * as errors (`isError`) are skipped, so a typo is an error and never also a warning.
 */
export function notImplementedWarnings(
  raw: unknown,
  tree: ImplementedTree,
  isError: (path: readonly string[]) => boolean,
  path: string[] = [],
): ConfigIssue[] {
  if (tree === true || !isPlainObject(raw)) return [];
  const out: ConfigIssue[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const at = [...path, key];
    if (isError(at)) continue;
    const sub = childTree(tree, key);
    if (sub === undefined) out.push(notImplemented(at, itemOf(at)));
    else out.push(...notImplementedWarnings(value, sub, isError, at));
  }
  return out;
}
