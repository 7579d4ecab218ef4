// How acme-client's HTTP calls reach one resolver's CA: which roots to trust, which name to verify, how long to wait.
import https from 'node:https';
import { checkServerIdentity, rootCertificates } from 'node:tls';
import acme from 'acme-client';
import { readPemSource } from '../../proxy/tls/pem-source.js';

export interface CaTrust {
  /** caCertificates: paths or PEM text; empty = the system's roots. */
  caCertificates: readonly string[];
  /** caSystemCertPool: the system's roots as well as caCertificates. */
  caSystemCertPool: boolean;
  /** caServerName: the name the CA's certificate is checked against, when not the URL's host. */
  caServerName: string;
  /** clientTimeout, ms: a whole request; 0 = none. */
  timeoutMs: number;
}

interface OriginSettings {
  agent: https.Agent;
  timeoutMs: number;
}

// acme-client sends every request through its one axios instance, for every resolver: the settings of each CA
// are found by the origin of the URL (a directory and the URLs it lists share one host at every CA we know).
const byOrigin = new Map<string, OriginSettings>();
let installed = false;

/** Makes acme-client's requests to the CA of `directoryUrl` use `trust`. Throws naming an unreadable caCertificates entry. */
export function applyCaTrust(directoryUrl: string, trust: CaTrust): void {
  const extra = trust.caCertificates.map((source) => {
    try {
      return readPemSource(source);
    } catch (err) {
      throw new Error(`caCertificates: unable to read ${source}: ${(err as Error).message}`);
    }
  });
  const ca = extra.length === 0 ? undefined : trust.caSystemCertPool ? [...rootCertificates, ...extra] : extra;
  const agent = new https.Agent({
    keepAlive: true,
    ...(ca !== undefined ? { ca } : {}),
    // The CA's certificate is checked against caServerName instead of the URL's host (and sent as SNI).
    ...(trust.caServerName !== '' ? { servername: trust.caServerName, checkServerIdentity: (_host: string, cert: Parameters<typeof checkServerIdentity>[1]) => checkServerIdentity(trust.caServerName, cert) } : {}),
  });
  byOrigin.set(new URL(directoryUrl).origin, { agent, timeoutMs: trust.timeoutMs });
  if (!installed) {
    installed = true;
    // acme-client retries a request with no answer 5 times over 75 s, then loses the cause (node-acme-client#101):
    // fewer, shorter retries, and the resolver's own backoff takes over from there.
    Object.assign(acmeSettings(acme.axios.defaults), { retryMaxAttempts: 2, retryDefaultDelay: 1 });
    acme.axios.interceptors.request.use((config) => {
      const settings = config.url === undefined ? undefined : byOrigin.get(safeOrigin(config.url));
      if (settings !== undefined) {
        config.httpsAgent = settings.agent;
        if (settings.timeoutMs > 0) config.timeout = settings.timeoutMs;
      }
      return config;
    });
  }
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '';
  }
}

/** acme-client's error after its retries found no answer carries no cause; say what happened instead. */
export function describeAcmeError(err: unknown, caServer: string): string {
  if (err instanceof TypeError && /reading 'config'/.test(err.message)) return `the CA ${caServer} did not answer`;
  return err instanceof Error ? err.message : String(err);
}

/** acme-client keeps its retry settings on axios's defaults, a field axios's types do not know. */
function acmeSettings(defaults: object): Record<string, unknown> {
  const settings: unknown = Reflect.get(defaults, 'acmeSettings');
  return typeof settings === 'object' && settings !== null ? (settings as Record<string, unknown>) : {};
}
