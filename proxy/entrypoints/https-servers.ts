import type { LoadedCertificate } from '../tls/certificate-store.js';
import { sessionContextOf, type ResolvedTlsOption } from '../tls/tls-options.js';
import type { EntryPointTlsStore } from '../tls/tls-store.js';
import { createHttpsServer, type HttpsServer, type HttpsServerOptions } from './https-server.js';

/**
 * An HTTPS entrypoint's TLS servers, one per TLS option its connections select, as Traefik picks a whole tls.Config
 * per ClientHello: node negotiates client authentication, suites, curves, ALPN and versions per server, before SNI, so
 * the entrypoint reads the ClientHello first and hands the connection to the server of the option its SNI selects
 * (no SNI, or a name no option claims: `default`). Options alike (sessionContextOf) share a server.
 *
 * Servers are made on first use. When the store is swapped (a reload), a server whose option and default certificate
 * the new store still has is kept; the others are let go: their open connections keep the server they were handed to
 * (a retired server is never closed, only no longer given connections) and a later one is made afresh. Every server
 * reads tickets with the process's keys, so a session resumes on any server of the same option, across reloads.
 */
export class HttpsServers {
  private readonly servers = new Map<string, { server: HttpsServer; certificate: LoadedCertificate }>();
  private applied: EntryPointTlsStore | null = null;

  constructor(private readonly opts: HttpsServerOptions) {}

  /** The server for a connection whose ClientHello named `serverName` (null: no SNI, or no readable hello). */
  serverFor(serverName: string | null): HttpsServer {
    const store = this.opts.getStore();
    if (store !== this.applied) this.retire(store);
    const option = store.optionForServerName(serverName);
    const key = keyOf(option);
    const kept = this.servers.get(key);
    if (kept !== undefined) return kept.server;
    const server = createHttpsServer(this.opts, option, store.defaultCertificate);
    this.servers.set(key, { server, certificate: store.defaultCertificate });
    return server;
  }

  /** Stops every server's connection checks and closes their idle sessions (shutdown); they never listened. */
  close(): void {
    for (const { server } of this.servers.values()) server.close();
  }

  /** Lets go the servers the swapped-in `store` has no option for, or made with another default certificate. */
  private retire(store: EntryPointTlsStore): void {
    this.applied = store;
    const wanted = new Set(store.optionsInUse.map(keyOf));
    for (const [key, { certificate }] of this.servers) {
      if (!wanted.has(key) || certificate !== store.defaultCertificate) this.servers.delete(key);
    }
  }
}

// An option's fingerprint, hashed once per option object (a store's options live until the next reload).
const keys = new WeakMap<ResolvedTlsOption, string>();

function keyOf(option: ResolvedTlsOption): string {
  let key = keys.get(option);
  if (key === undefined) keys.set(option, (key = sessionContextOf(option)));
  return key;
}
