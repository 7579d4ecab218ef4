// pe-edge's CLI in front of a pebble ACME server: the static and dynamic files a user writes, and how a client
// sees the certificate the edge serves for a name.
import type { X509Certificate } from 'node:crypto';
import { chmodSync } from 'node:fs';
import https from 'node:https';
import tls from 'node:tls';
import { startBackend, type Backend } from './backends.js';
import { after, before } from 'node:test';
import { CliProcess, freePort, TempConfigDir } from './cli-process.js';
import { startPebble, type Pebble, type PebbleOptions } from './pebble.js';

export interface AcmeRig {
  pebble: Pebble;
  backend: Backend;
  webPort: number;
  securePort: number;
  close(): Promise<void>;
}

/** pebble validating against pe-edge's entrypoints (HTTP-01 on web, TLS-ALPN-01 on websecure), and one backend. */
export async function startAcmeRig(options: Omit<PebbleOptions, 'httpPort' | 'tlsPort'> = {}): Promise<AcmeRig> {
  const webPort = await freePort();
  const securePort = await freePort();
  const pebble = await startPebble({ ...options, httpPort: webPort, tlsPort: securePort });
  const backend = await startBackend('app');
  return {
    pebble,
    backend,
    webPort,
    securePort,
    async close() {
      await pebble.close();
      await backend.close();
    },
  };
}

/** What the certificate probes need: pebble (its root) and the edge's TLS port on 127.0.0.1. */
/** One rig for the enclosing `describe`, and pe-edge started against it one at a time (pebble validates against the rig's ports). */
export interface AcmeSuite {
  readonly rig: AcmeRig;
  /** A temp folder removed after the suite. */
  newDir(): TempConfigDir;
  /** Stops the edge started before, then starts one in `dir` (a new folder when omitted). */
  edge(files: EdgeFiles, env?: NodeJS.ProcessEnv, dir?: TempConfigDir): Promise<CliProcess>;
}

export function acmeSuite(options: Omit<PebbleOptions, 'httpPort' | 'tlsPort'> = {}): AcmeSuite {
  let rig: AcmeRig | undefined;
  const dirs: TempConfigDir[] = [];
  const procs: CliProcess[] = [];
  before(async () => {
    rig = await startAcmeRig(options);
  });
  after(async () => {
    rig?.pebble.resume();
    await Promise.all(procs.map((p) => p.stop()));
    dirs.forEach((d) => d.remove());
    await rig?.close();
  });
  const suite: AcmeSuite = {
    get rig(): AcmeRig {
      if (rig === undefined) throw new Error('the ACME rig is not started (use it inside a test)');
      return rig;
    },
    newDir() {
      const dir = new TempConfigDir();
      dirs.push(dir);
      return dir;
    },
    async edge(files, env = {}, dir = suite.newDir()) {
      await Promise.all(procs.map((p) => p.stop()));
      const proc = await startAcmeEdge(suite.rig, dir, files, env);
      procs.push(proc);
      return proc;
    },
  };
  return suite;
}

export type TlsTarget = Pick<AcmeRig, 'pebble' | 'securePort'>;

export interface EdgeFiles {
  /** certificatesResolvers.<name>.acme, without caServer/caCertificates (the rig's). */
  resolvers: Record<string, Record<string, unknown>>;
  /** http.routers of the dynamic file; service `app` is the rig's backend. */
  routers: Record<string, Record<string, unknown>>;
  /** The dynamic file's `tcp` section, as written. */
  tcp?: Record<string, unknown>;
  /** More entrypoints beside web and websecure: name → port on 127.0.0.1. */
  entryPoints?: Record<string, number>;
  /** More top-level keys of traefik.yml (e.g. `metrics`). */
  staticConfig?: Record<string, unknown>;
}

/** Writes traefik.yml, dynamic.yml and pebble's CA into `dir`, as a user would, and starts pe-edge there. */
export async function startAcmeEdge(rig: AcmeRig, dir: TempConfigDir, files: EdgeFiles, env: NodeJS.ProcessEnv = {}, listenTimeoutMs = 10_000): Promise<CliProcess> {
  const caFile = dir.write('pebble-ca.pem', rig.pebble.caPem);
  const resolvers: Record<string, unknown> = {};
  for (const [name, acme] of Object.entries(files.resolvers)) {
    resolvers[name] = { acme: { caServer: rig.pebble.directoryUrl, caCertificates: [caFile], storage: dir.file('acme.json'), keyType: 'EC256', ...acme } };
  }
  dir.write('traefik.yml', JSON.stringify({
    entryPoints: {
      web: { address: `127.0.0.1:${rig.webPort}` },
      websecure: { address: `127.0.0.1:${rig.securePort}` },
      ...Object.fromEntries(Object.entries(files.entryPoints ?? {}).map(([name, port]) => [name, { address: `127.0.0.1:${port}` }])),
    },
    providers: { file: { filename: dir.file('dynamic.yml'), watch: false } },
    certificatesResolvers: resolvers,
    log: { level: 'INFO', format: 'json' },
    ...files.staticConfig,
  }, null, 2));
  dir.write('dynamic.yml', JSON.stringify({
    http: { routers: files.routers, services: { app: { loadBalancer: { servers: [{ url: rig.backend.url }] } } } },
    ...(files.tcp !== undefined ? { tcp: files.tcp } : {}),
  }, null, 2));
  const proc = new CliProcess(['--configFile=traefik.yml'], { cwd: dir.path, env });
  try {
    await proc.waitListening(2 + Object.keys(files.entryPoints ?? {}).length, listenTimeoutMs);
  } catch (err) {
    // Nobody else holds it: a process left running would keep the test file from ever ending.
    await proc.stop();
    throw err;
  }
  return proc;
}

export interface ServedCertificate {
  serial: string;
  names: string[];
  /** Chains to pebble's current root with the intermediate the edge sent. */
  trusted: boolean;
  issuer: string;
  notAfter: Date;
}

/** The certificate pe-edge serves for `servername` on websecure. */
export async function servedCertificate(rig: TlsTarget, servername: string): Promise<ServedCertificate> {
  const root = await rig.pebble.rootPem();
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port: rig.securePort, servername, ca: [root], rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => {
      const cert = socket.getPeerX509Certificate();
      if (cert === undefined) return reject(new Error('no certificate'));
      const names = (cert.subjectAltName ?? '').split(', ').filter((n) => n.startsWith('DNS:')).map((n) => n.slice(4));
      resolve({ serial: cert.serialNumber, names, trusted: socket.authorized, issuer: cert.issuer, notAfter: new Date(cert.validTo) });
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

/** Polls until the served certificate for `servername` satisfies `ok`, or throws with the edge's log. */
export async function waitForCertificate(rig: TlsTarget, proc: CliProcess, servername: string, ok: (c: ServedCertificate) => boolean, timeoutMs = 30_000): Promise<ServedCertificate> {
  const deadline = Date.now() + timeoutMs;
  let last: ServedCertificate | Error | undefined;
  while (Date.now() < deadline) {
    try {
      last = await servedCertificate(rig, servername);
      if (ok(last)) return last;
    } catch (err) {
      last = err as Error;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no matching certificate for ${servername} within ${timeoutMs} ms; last: ${last instanceof Error ? last.message : JSON.stringify(last)}\n${proc.output()}`);
}

/** An HTTPS request through the edge, trusting pebble's root: the status and body. */
export async function httpsGet(rig: TlsTarget, host: string, path = '/'): Promise<{ status: number; body: string }> {
  const root = await rig.pebble.rootPem();
  return new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port: rig.securePort, path, servername: host, headers: { host }, ca: [root], agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.once('error', reject);
  });
}

export interface LoadResult {
  ok: number;
  failed: number;
  /** The first few failures, for the assertion message. */
  errors: string[];
  /** Serial numbers of the certificates seen on new connections, in the order they first appeared. */
  serials: string[];
}

/**
 * A bounded load of HTTPS requests for `host` trusting pebble's root, until `durationMs` has passed: one loop on a
 * keep-alive connection and one opening a new connection per request (a new handshake: what a renewal changes).
 * Each request must answer 200 with the backend's body within 5 s, or it counts as failed.
 */
export async function httpsLoad(rig: AcmeRig, host: string, durationMs: number): Promise<LoadResult> {
  const root = await rig.pebble.rootPem();
  const result: LoadResult = { ok: 0, failed: 0, errors: [], serials: [] };
  const keepAlive = new https.Agent({ keepAlive: true, maxSockets: 1 });
  const deadline = Date.now() + durationMs;
  const one = (agent: https.Agent | false): Promise<void> => new Promise((resolve) => {
    const fail = (why: string): void => {
      result.failed++;
      if (result.errors.length < 5) result.errors.push(why);
      resolve();
    };
    const req = https.get({ host: '127.0.0.1', port: rig.securePort, path: '/', servername: host, headers: { host }, ca: [root], agent, timeout: 5000 }, (res) => {
      if (agent === false) {
        const serial = (res.socket as tls.TLSSocket).getPeerX509Certificate()?.serialNumber;
        if (serial !== undefined && !result.serials.includes(serial)) result.serials.push(serial);
      }
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.once('error', (err) => fail(err.message));
      res.once('end', () => {
        if (res.statusCode === 200 && body === 'app') {
          result.ok++;
          resolve();
        } else fail(`status ${res.statusCode ?? 0}: ${body.slice(0, 100)}`);
      });
    });
    req.once('timeout', () => req.destroy(new Error('no answer within 5 s')));
    req.once('error', (err) => fail(err.message));
  });
  const loop = async (agent: https.Agent | false): Promise<void> => {
    while (Date.now() < deadline) {
      await one(agent);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  try {
    await Promise.all([loop(keepAlive), loop(false)]);
  } finally {
    keepAlive.destroy();
  }
  return result;
}

/** The leaf the edge presents for `servername`, without asking pebble anything (it may be down or paused). */
export function peerCertificate(port: number, servername: string): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => {
      const cert = socket.getPeerX509Certificate();
      socket.destroy();
      if (cert === undefined) reject(new Error('no certificate'));
      else resolve(cert);
    });
    socket.once('error', reject);
  });
}

export function makeWorldReadable(path: string): void {
  chmodSync(path, 0o644);
}
