// A real ACME server on loopback for integration tests: Debian's pebble 2.4 and pebble-challtestsrv
// (its DNS answers pebble's validation lookups and holds the TXT records DNS-01 tests set).
//
// Trusting pebble from acme-client: acme-client sends every request through one shared axios instance,
// exported as `acme.axios`, and takes no agent or CA option of its own. Setting
// `acme.axios.defaults.httpsAgent` would trust the CA for every client in the process; a request
// interceptor that sets `config.httpsAgent` to an `https.Agent({ ca })` chosen by the request URL's
// origin gives each ACME server (each resolver's `caServer` + `caCertificates`) its own trust, which
// is what the product needs too. `trustCaForOrigin` below does exactly that for tests.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort } from './cli-process.js';

export interface PebbleOptions {
  /** Port pebble's VA connects to for HTTP-01 (the edge's HTTP entrypoint). */
  httpPort: number;
  /** Port pebble's VA connects to for TLS-ALPN-01 (the edge's HTTPS entrypoint). */
  tlsPort: number;
  /** Lifetime of issued certificates in seconds (pebble's default: 5 years). */
  certificateValidityPeriod?: number;
  /** Require external account binding; the key to use is then in `Pebble.eab`. */
  eabRequired?: boolean;
}

export interface Pebble {
  /** `https://127.0.0.1:<port>/dir` */
  directoryUrl: string;
  /** The throwaway CA that signed pebble's own listener: trust it for ACME API calls. */
  caPem: string;
  /** `127.0.0.1:<port>` of challtestsrv's DNS, for `dnsChallenge.resolvers`. */
  dnsServer: string;
  /** challtestsrv's management API base URL. */
  challtestsrvUrl: string;
  /** The EAB key pebble accepts, when `eabRequired`. */
  eab: { kid: string; hmacKey: string } | undefined;
  /**
   * The root that issues certificates right now (each start makes a new one). Root only, on purpose:
   * a served certificate verifies against it only when the server sends the intermediate too.
   */
  rootPem(): Promise<string>;
  /** Orders pebble created since it last started (its "Added order" log lines): what reached the CA. */
  orders(): number;
  setTxt(host: string, value: string): Promise<void>;
  clearTxt(host: string): Promise<void>;
  /**
   * Freezes pebble (SIGSTOP): connections are accepted by the kernel but nothing is answered until `resume`,
   * as a CA that is slow to answer. Keeps the same root.
   */
  pause(): void;
  resume(): void;
  /** Stops pebble only; challtestsrv keeps running. */
  stop(): Promise<void>;
  /** Starts pebble again (a new root) on the same ports. */
  start(): Promise<void>;
  /** Stops everything and removes the temp dir. */
  close(): Promise<void>;
}

const READY_TIMEOUT_MS = 15_000;
const OUTPUT_TAIL_LINES = 30;

/** Both binaries of Debian's `pebble` package are on PATH. */
export function pebbleInstalled(): boolean {
  return ['pebble', 'pebble-challtestsrv'].every((name) => onPath(name));
}

function onPath(name: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Trusts `caPem` for requests of `acmeAxios` (acme-client's `acme.axios`) to `origin` only; returns the
 * function that removes that trust again.
 */
export function trustCaForOrigin(acmeAxios: AcmeAxios, origin: string, caPem: string): () => void {
  const agent = new https.Agent({ ca: caPem, keepAlive: false });
  const id = acmeAxios.interceptors.request.use((config) => {
    if (config.url !== undefined && new URL(config.url).origin === origin) config.httpsAgent = agent;
    return config;
  });
  return () => {
    acmeAxios.interceptors.request.eject(id);
    agent.destroy();
  };
}

/** The part of an axios instance `trustCaForOrigin` uses, so this file needs no import of axios. */
export interface AcmeAxios {
  interceptors: {
    request: {
      use(onFulfilled: <C extends { url?: string; httpsAgent?: unknown }>(config: C) => C): number;
      eject(id: number): void;
    };
  };
}

// Children still running when the test process ends are killed with it and temp dirs not yet closed
// are removed; a SIGTERM/SIGINT from the test runner is passed on after that, so the process still
// ends as it would have.
const running = new Set<ChildProcess>();
const tempDirs = new Set<string>();
let exitHooked = false;
function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  const killAll = (): void => {
    for (const c of running) c.kill('SIGKILL');
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', killAll);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      killAll();
      process.kill(process.pid, signal);
    });
  }
}
function track(child: ChildProcess): void {
  hookExit();
  running.add(child);
  child.once('exit', () => running.delete(child));
}

/** A child process whose output is kept (the last lines) for error messages. */
class Managed {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  #lines: string[] = [];
  /** Lines matching `counted`, over the whole run (the kept tail is short). */
  counted = 0;
  constructor(readonly name: string, command: string, args: string[], env: NodeJS.ProcessEnv, private readonly countedLine?: RegExp) {
    this.child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    track(this.child);
    const keep = (chunk: Buffer): void => {
      const lines = chunk.toString().split('\n').filter((l) => l !== '');
      if (this.countedLine !== undefined) this.counted += lines.filter((l) => this.countedLine?.test(l) === true).length;
      this.#lines.push(...lines);
      if (this.#lines.length > OUTPUT_TAIL_LINES) this.#lines.splice(0, this.#lines.length - OUTPUT_TAIL_LINES);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => {
      this.child.once('error', (err) => {
        this.#lines.push(String(err));
        resolve();
      });
      this.child.once('exit', () => resolve());
    });
  }
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null && running.has(this.child);
  }
  error(message: string): Error {
    return new Error(`${this.name}: ${message}\n--- last output ---\n${this.#lines.join('\n')}`);
  }
  async stop(): Promise<void> {
    if (this.alive) {
      // A paused process would not act on SIGTERM until continued.
      this.child.kill('SIGCONT');
      this.child.kill('SIGTERM');
    }
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await this.exited;
    clearTimeout(killer);
  }
}

/** Polls `probe` until it resolves, failing early when the process exits. */
async function waitUntilAnswering(proc: Managed, what: string, probe: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last: unknown;
  while (Date.now() < deadline) {
    if (!proc.alive) throw proc.error(`exited before ${what} answered`);
    try {
      await probe();
      return;
    } catch (err) {
      last = err;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await proc.stop();
  throw proc.error(`${what} did not answer within ${READY_TIMEOUT_MS} ms (last error: ${String(last)})`);
}

function httpsGet(url: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, agent: false, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        if (res.statusCode === 200) resolve(body);
        else reject(new Error(`GET ${url}: ${res.statusCode} ${body}`));
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timed out`)));
    req.on('error', reject);
  });
}

/** A CA and a server certificate for 127.0.0.1/localhost (pebble's listener), made with openssl. */
function makeListenerCertificates(dir: string): { caPem: string; certFile: string; keyFile: string } {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  const run = (args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  };
  run(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=pe-edge pebble test CA']);
  run(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2',
    '-extfile', 'server.ext', '-out', 'server.pem']);
  return {
    caPem: readFileSync(join(dir, 'ca.pem'), 'utf8'),
    certFile: join(dir, 'server.pem'),
    keyFile: join(dir, 'server.key'),
  };
}

export async function startPebble(opts: PebbleOptions): Promise<Pebble> {
  const dir = mkdtempSync(join(tmpdir(), 'pe-pebble-'));
  hookExit();
  tempDirs.add(dir);
  try {
    return await startIn(dir, opts);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    tempDirs.delete(dir);
    throw err;
  }
}

async function startIn(dir: string, opts: PebbleOptions): Promise<Pebble> {
  const { caPem, certFile, keyFile } = makeListenerCertificates(dir);
  const [acmePort, mgmtPort, dnsPort, ctsPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const eab = opts.eabRequired === true ? { kid: 'kid-1', hmacKey: randomBytes(32).toString('base64url') } : undefined;
  const configFile = join(dir, 'pebble-config.json');
  writeFileSync(configFile, JSON.stringify({
    pebble: {
      listenAddress: `127.0.0.1:${acmePort}`,
      managementListenAddress: `127.0.0.1:${mgmtPort}`,
      certificate: certFile,
      privateKey: keyFile,
      httpPort: opts.httpPort,
      tlsPort: opts.tlsPort,
      ocspResponderURL: '',
      externalAccountBindingRequired: eab !== undefined,
      ...(eab !== undefined ? { externalAccountMACKeys: { [eab.kid]: eab.hmacKey } } : {}),
      ...(opts.certificateValidityPeriod !== undefined ? { certificateValidityPeriod: opts.certificateValidityPeriod } : {}),
    },
  }));

  const challtestsrvUrl = `http://127.0.0.1:${ctsPort}`;
  // Only the DNS server and the management API: the edge under test answers HTTP-01/TLS-ALPN-01 itself.
  // An empty -defaultIPv6 makes names resolve to 127.0.0.1 only (pebble would otherwise try ::1 first).
  const challtestsrv = new Managed('pebble-challtestsrv', 'pebble-challtestsrv', [
    '-management', `127.0.0.1:${ctsPort}`, '-dns01', `127.0.0.1:${dnsPort}`,
    '-http01', '', '-https01', '', '-tlsalpn01', '', '-defaultIPv4', '127.0.0.1', '-defaultIPv6', '',
  ], process.env);
  await waitUntilAnswering(challtestsrv, 'the management API', async () => {
    await fetch(`${challtestsrvUrl}/`);
  });

  const manage = async (path: string, body: object): Promise<void> => {
    const res = await fetch(`${challtestsrvUrl}${path}`, { method: 'POST', body: JSON.stringify(body) });
    const text = await res.text();
    if (!res.ok) throw new Error(`challtestsrv ${path}: ${res.status} ${text}`);
  };

  // No random validation sleeps, no rejected nonces, every order validated afresh.
  const pebbleEnv = { ...process.env, PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0', PEBBLE_AUTHZREUSE: '0' };
  const directoryUrl = `https://127.0.0.1:${acmePort}/dir`;
  const mgmtUrl = `https://127.0.0.1:${mgmtPort}`;
  let pebble: Managed | undefined;
  const start = async (): Promise<void> => {
    if (pebble?.alive === true) return;
    const proc = new Managed('pebble', 'pebble', ['-config', configFile, '-dnsserver', `127.0.0.1:${dnsPort}`], pebbleEnv, /Added order /);
    pebble = proc;
    await waitUntilAnswering(proc, 'the ACME directory', async () => {
      await httpsGet(directoryUrl, caPem);
      await httpsGet(`${mgmtUrl}/roots/0`, caPem);
    });
  };
  const stop = async (): Promise<void> => {
    await pebble?.stop();
  };

  try {
    await start();
  } catch (err) {
    await challtestsrv.stop();
    throw err;
  }

  return {
    directoryUrl,
    caPem,
    dnsServer: `127.0.0.1:${dnsPort}`,
    challtestsrvUrl,
    eab,
    rootPem: () => httpsGet(`${mgmtUrl}/roots/0`, caPem),
    orders: () => pebble?.counted ?? 0,
    setTxt: (host, value) => manage('/set-txt', { host: fqdn(host), value }),
    clearTxt: (host) => manage('/clear-txt', { host: fqdn(host) }),
    pause: () => {
      if (pebble?.alive === true) pebble.child.kill('SIGSTOP');
    },
    resume: () => {
      if (pebble?.alive === true) pebble.child.kill('SIGCONT');
    },
    stop,
    start,
    async close() {
      await stop();
      await challtestsrv.stop();
      rmSync(dir, { recursive: true, force: true });
      tempDirs.delete(dir);
    },
  };
}

/** challtestsrv keys its records by the fully qualified name, trailing dot included. */
function fqdn(host: string): string {
  return host.endsWith('.') ? host : `${host}.`;
}
