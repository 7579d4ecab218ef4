// The security review's probe set (issue 7), replayed against pe-edge and, where installed, HAProxy and
// nginx in front of the same backends; prints a table: probe | expected | pe-edge | haproxy | nginx.
// Not a test: `npm run probes` (or `node dist/test/security/probes.js [--only=<text>]`).
// pe-edge runs as a child process (the real CLI, restarted when a probe kills it: the cell then says
// CRASH with the error). Every loop and wait is bounded; everything listens and connects on 127.0.0.1.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { gzipSync } from 'node:zlib';
import { generateSelfSignedCertificate } from '../../proxy/tls/self-signed-certificate.js';
import { startBackend, type Backend } from '../support/backends.js';
import { freePort } from '../support/cli-process.js';
import { healthProblem, startEdgeChild, TEST_AUTH, TEST_USER, type EdgeChild } from '../support/edge-child.js';
import { dataFrame, ERR, RawH2Connection, requestFields, rstStream, statusOf, headersFrame, FRAME } from '../support/h2-frames.js';
import { startHostileBackend, type HostileBackend, type HostileHandler } from '../support/hostile-backend.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- targets

/** A proxy under test: a plain port and a TLS port (the same port for pe-edge, which sniffs). */
interface Target {
  readonly name: string;
  plainPort(): number;
  tlsPort(): number;
  /** null when the proxy is alive and answers a normal request with 200. */
  problem(): Promise<string | null>;
  /** After a probe: if the proxy died, what killed it (and it is started again); else null. */
  crashAndRestart(): Promise<string | null>;
  stop(): Promise<void>;
}

interface Env {
  good: Backend;
  /** Connections the echo backend accepted so far. */
  goodConnections: () => number;
  hostile: HostileBackend;
}

class PeEdgeTarget implements Target {
  readonly name = 'pe-edge';
  private constructor(private edge: EdgeChild, private readonly env: Env) {}
  static async start(env: Env): Promise<PeEdgeTarget> {
    return new PeEdgeTarget(await startEdgeChild({ good: env.good, hostile: env.hostile, readTimeout: '3s' }), env);
  }
  plainPort(): number {
    return this.edge.port;
  }
  tlsPort(): number {
    return this.edge.port;
  }
  problem(): Promise<string | null> {
    return healthProblem(this.edge);
  }
  async crashAndRestart(): Promise<string | null> {
    await sleep(150);
    if (this.edge.proc.exit === undefined) return null;
    const lines = this.edge.proc.stderr;
    const at = lines.findIndex((l) => /Error \[|^\w*Error\b|\[ERR_/.test(l.trim()));
    const what = at >= 0 ? (lines[at] ?? '').trim() : `exit ${JSON.stringify(this.edge.proc.exit)}`;
    await this.edge.stop();
    this.edge = await startEdgeChild({ good: this.env.good, hostile: this.env.hostile, readTimeout: '3s' });
    return what;
  }
  stop(): Promise<void> {
    return this.edge.stop();
  }
}

/** A self-signed certificate for localhost and nx.test, as PEM files in `dir`. */
function writeCertificate(dir: string): { cert: string; key: string; both: string } {
  const now = new Date();
  const pair = generateSelfSignedCertificate({ commonName: 'localhost', dnsNames: ['localhost', 'nx.test'], notBefore: now, notAfter: new Date(now.getTime() + 86_400_000) });
  const files = { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), both: join(dir, 'both.pem') };
  writeFileSync(files.cert, pair.cert);
  writeFileSync(files.key, pair.key);
  writeFileSync(files.both, pair.cert + pair.key);
  return files;
}

/**
 * HAProxy 2.6 with routing equivalent to pe-edge's routers (see edge-child.ts): path prefixes, nx.test
 * /admin behind basic auth setting X-WebAuth-User, X-Edge-Middleware set on /mw; `timeout
 * http-request 3s` as readTimeout. Defaults otherwise (no URI normalisation).
 */
function haproxyConfig(env: Env, dir: string, plain: number, tlsPort: number): string {
  const cert = writeCertificate(dir);
  return [
    'global',
    '  maxconn 4096',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 30s',
    '  timeout server 30s',
    '  timeout http-request 3s',
    '  timeout http-keep-alive 10s',
    'userlist users',
    '  user test insecure-password test',
    'frontend fe',
    `  bind 127.0.0.1:${plain}`,
    `  bind 127.0.0.1:${tlsPort} ssl crt ${cert.both} alpn h2,http/1.1`,
    '  acl nx req.hdr(host),field(1,:) -i nx.test',
    '  acl p_admin path_beg /admin',
    '  acl p_public path_beg /public',
    '  acl p_hostile path_beg /hostile',
    '  acl p_mw path_beg /mw',
    '  acl p_good path_beg /lean /mw',
    '  http-request auth realm traefik if nx p_admin !{ http_auth(users) }',
    '  http-request set-header X-WebAuth-User test if nx p_admin',
    '  http-request set-header X-Edge-Middleware yes if p_mw',
    '  use_backend hostile if p_hostile',
    '  use_backend good if nx p_admin',
    '  use_backend good if p_public',
    '  use_backend good if p_good',
    '  use_backend good if { ssl_fc }',
    'backend good',
    `  server good 127.0.0.1:${env.good.port}`,
    'backend hostile',
    `  server hostile 127.0.0.1:${env.hostile.port}`,
    '',
  ].join('\n');
}

/**
 * nginx 1.22 with the same routing: upstream keep-alive (HTTP/1.1, `Connection ""`), basic auth on
 * nx.test /admin with X-WebAuth-User from $remote_user, client_header/body_timeout 3s.
 */
function nginxConfig(env: Env, dir: string, plain: number, tlsPort: number): string {
  const cert = writeCertificate(dir);
  writeFileSync(join(dir, 'htpasswd'), `${TEST_USER}\n`);
  const proxy = (upstream: string, extra: string[] = []): string[] => [
    `      proxy_pass http://${upstream};`,
    '      proxy_http_version 1.1;',
    '      proxy_set_header Connection "";',
    '      proxy_set_header Host $http_host;',
    ...extra.map((l) => `      ${l}`),
  ];
  return [
    'worker_processes 1;',
    `pid ${join(dir, 'nginx.pid')};`,
    'error_log stderr error;',
    'events { worker_connections 1024; }',
    'http {',
    '  access_log off;',
    `  client_body_temp_path ${join(dir, 'body')};`,
    `  proxy_temp_path ${join(dir, 'proxy')};`,
    `  fastcgi_temp_path ${join(dir, 'fastcgi')};`,
    `  uwsgi_temp_path ${join(dir, 'uwsgi')};`,
    `  scgi_temp_path ${join(dir, 'scgi')};`,
    '  client_header_timeout 3s;',
    '  client_body_timeout 3s;',
    `  upstream good { server 127.0.0.1:${env.good.port}; keepalive 8; }`,
    `  upstream hostile { server 127.0.0.1:${env.hostile.port}; keepalive 8; }`,
    '  server {',
    `    listen 127.0.0.1:${plain};`,
    `    listen 127.0.0.1:${tlsPort} ssl http2;`,
    `    ssl_certificate ${cert.cert};`,
    `    ssl_certificate_key ${cert.key};`,
    '    location /admin {',
    '      if ($host != "nx.test") { return 404; }',
    '      auth_basic traefik;',
    `      auth_basic_user_file ${join(dir, 'htpasswd')};`,
    ...proxy('good', ['proxy_set_header X-WebAuth-User $remote_user;']),
    '    }',
    '    location /hostile { ',
    ...proxy('hostile'),
    '    }',
    '    location /mw {',
    ...proxy('good', ['proxy_set_header X-Edge-Middleware yes;']),
    '    }',
    '    location / {',
    ...proxy('good'),
    '    }',
    '  }',
    '}',
    '',
  ].join('\n');
}

/** A proxy other than pe-edge, run from its package (`haproxy`, `nginx`) with a generated configuration. */
class ExternalTarget implements Target {
  private child: ChildProcess | undefined;
  private exited = false;
  private stderr = '';
  private constructor(
    readonly name: string,
    private readonly dir: string,
    private readonly plain: number,
    private readonly tlsP: number,
    private readonly command: string,
    private readonly args: string[],
  ) {}

  static available(command: string, versionFlag: string): boolean {
    return spawnSync(command, [versionFlag]).status === 0;
  }

  static async start(kind: 'haproxy' | 'nginx', env: Env): Promise<ExternalTarget> {
    const dir = mkdtempSync(join(tmpdir(), `pe-probes-${kind}-`));
    const plain = await freePort();
    const tlsPort = await freePort();
    const cfg = join(dir, `${kind}.conf`);
    writeFileSync(cfg, kind === 'haproxy' ? haproxyConfig(env, dir, plain, tlsPort) : nginxConfig(env, dir, plain, tlsPort));
    const args = kind === 'haproxy' ? ['-db', '-f', cfg] : ['-p', dir, '-c', cfg, '-g', 'daemon off; master_process off;'];
    const target = new ExternalTarget(kind, dir, plain, tlsPort, kind, args);
    target.spawn();
    const deadline = Date.now() + 5000;
    while ((await target.problem()) !== null) {
      if (Date.now() > deadline || target.exited) {
        await target.stop();
        throw new Error(`${kind} did not start: ${target.stderr}`);
      }
      await sleep(100);
    }
    return target;
  }

  private spawn(): void {
    this.exited = false;
    this.child = spawn(this.command, this.args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (d: string) => (this.stderr = (this.stderr + d).slice(-4000)));
    this.child.once('exit', () => (this.exited = true));
    this.child.once('error', () => (this.exited = true));
  }
  plainPort(): number {
    return this.plain;
  }
  tlsPort(): number {
    return this.tlsP;
  }
  async problem(): Promise<string | null> {
    if (this.exited) return `${this.name} exited`;
    const r = await rawExchange(this.plain, 'GET /lean/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n', { waitMs: 2000 }).catch(() => undefined);
    return r?.statuses[0] === 200 ? null : `normal request got ${String(r?.statuses[0])}`;
  }
  async crashAndRestart(): Promise<string | null> {
    if (!this.exited) return null;
    const what = `${this.name} exited: ${this.stderr.split('\n').slice(-3).join(' ')}`;
    this.spawn();
    await sleep(500);
    return what;
  }
  async stop(): Promise<void> {
    if (!this.exited && this.child !== undefined) {
      const child = this.child;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await gone;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- raw exchanges

interface RawResult {
  text: string;
  /** Status codes of every response head seen, in order. */
  statuses: number[];
  closed: boolean;
  /** ms from the first byte written to the close, when it closed. */
  closedAfterMs: number | null;
}

/**
 * Writes `bytes` (and `more` chunks `every` ms apart), reads until the peer closes, `expectResponses`
 * responses arrived, or `waitMs` passed.
 */
function rawExchange(
  port: number,
  bytes: Buffer | string,
  opts: { tls?: boolean; waitMs?: number; more?: (Buffer | string)[]; every?: number; expectResponses?: number; servername?: string; alpn?: string[] } = {},
): Promise<RawResult> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket: net.Socket = opts.tls === true
      ? tls.connect({ host: '127.0.0.1', port, servername: opts.servername ?? 'localhost', rejectUnauthorized: false, ALPNProtocols: opts.alpn ?? ['http/1.1'] })
      : net.connect(port, '127.0.0.1');
    let text = '';
    let closedAfterMs: number | null = null;
    const timers: NodeJS.Timeout[] = [];
    const statuses = (): number[] => [...text.matchAll(/HTTP\/1\.[01] (\d{3})/g)].map((m) => Number(m[1]));
    const finish = (): void => {
      for (const t of timers) clearTimeout(t);
      socket.destroy();
      resolve({ text, statuses: statuses(), closed: closedAfterMs !== null, closedAfterMs });
    };
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      text += d;
      if (opts.expectResponses !== undefined && statuses().length >= opts.expectResponses && /\r\n\r\n/.test(text)) {
        timers.push(setTimeout(finish, 100));
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closedAfterMs = Date.now() - started;
      finish();
    });
    socket.once(opts.tls === true ? 'secureConnect' : 'connect', () => {
      socket.write(bytes);
      (opts.more ?? []).forEach((chunk, i) => timers.push(setTimeout(() => socket.destroyed || socket.write(chunk), (i + 1) * (opts.every ?? 1000))));
    });
    timers.push(setTimeout(finish, opts.waitMs ?? 2000));
  });
}

/** The head (status line and headers) and body of the first response in `text`. */
function firstResponse(text: string): { statusLine: string; head: string; body: string } {
  const end = text.indexOf('\r\n\r\n');
  const head = end < 0 ? text : text.slice(0, end);
  return { statusLine: head.split('\r\n')[0] ?? '', head, body: end < 0 ? '' : text.slice(end + 4) };
}

// ---------------------------------------------------------------- probes

interface Outcome {
  pass: boolean;
  /** What was seen, short. */
  seen: string;
}

interface Probe {
  family: string;
  name: string;
  expected: string;
  run(t: Target, env: Env): Promise<Outcome>;
}

/** A control character other than HTAB (what a reason phrase may not hold). */
const hasCtl = (s: string): boolean => [...s].some((c) => (c.charCodeAt(0) < 0x20 && c !== '\t') || c.charCodeAt(0) === 0x7f);
const req = (method: string, path: string, headers: string[] = [], body = ''): string => `${method} ${path} HTTP/1.1\r\nHost: localhost\r\n${headers.map((h) => h + '\r\n').join('')}\r\n${body}`;
const newSeen = (env: Env, from: number): Backend['seen'] => env.good.seen.slice(from);
const statusText = (r: RawResult): string => (r.statuses.length === 0 ? (r.closed ? 'closed, no answer' : 'no answer') : r.statuses.join(','));

/** Smuggling probes: pass on 400/501, or when the backend saw one framing only and never `/smuggled`. */
function smuggling(name: string, path: string, headers: string[], body: string): Probe {
  return {
    family: 'smuggling',
    name: `${name} (${path})`,
    expected: '400/501, or one framing forwarded and no /smuggled request reaches the backend',
    run: async (t, env) => {
      const from = env.good.seen.length;
      const r = await rawExchange(t.plainPort(), req('POST', `${path}/cl-te`, headers, body), { waitMs: 1500 });
      const seen = newSeen(env, from);
      const smuggled = seen.some((s) => s.url.includes('smuggled'));
      const both = seen.some((s) => s.headers['content-length'] !== undefined && s.headers['transfer-encoding'] !== undefined);
      const rejected = r.statuses[0] === 400 || r.statuses[0] === 501;
      return { pass: rejected || (!smuggled && !both), seen: `${statusText(r)}${smuggled ? '; backend saw /smuggled' : ''}${both ? '; CL+TE forwarded' : ''}` };
    },
  };
}

const SMUGGLED = 'GET /lean/smuggled HTTP/1.1\r\nHost: localhost\r\n\r\n';
const chunkedWithSmuggled = `0\r\n\r\n${SMUGGLED}`;

function smugglingProbes(): Probe[] {
  const out: Probe[] = [];
  for (const path of ['/lean', '/mw']) {
    out.push(
      smuggling('CL+TE', path, [`Content-Length: ${chunkedWithSmuggled.length}`, 'Transfer-Encoding: chunked'], chunkedWithSmuggled),
      smuggling('TE: xchunked + CL', path, ['Content-Length: 4', 'Transfer-Encoding: xchunked'], `5c\r\n${SMUGGLED}`),
      smuggling('TE: chunked, identity + CL', path, ['Content-Length: 4', 'Transfer-Encoding: chunked, identity'], `0\r\n\r\n${SMUGGLED}`),
      smuggling('TE with a VT before chunked + CL', path, ['Content-Length: 4', 'Transfer-Encoding:\x0bchunked'], `0\r\n\r\n${SMUGGLED}`),
      smuggling('"Transfer-Encoding :" (space before colon)', path, ['Content-Length: 4', 'Transfer-Encoding : chunked'], `0\r\n\r\n${SMUGGLED}`),
      smuggling('bare LF hiding Transfer-Encoding', path, ['X-A: 1\nTransfer-Encoding: chunked', `Content-Length: ${chunkedWithSmuggled.length}`], chunkedWithSmuggled),
      {
        family: 'smuggling',
        name: `duplicate Content-Length 5/6 (${path})`,
        expected: '400',
        run: async (t) => {
          const r = await rawExchange(t.plainPort(), req('POST', `${path}/dup-cl`, ['Content-Length: 5', 'Content-Length: 6'], 'hello!'), { waitMs: 1500 });
          return { pass: r.statuses[0] === 400, seen: statusText(r) };
        },
      },
      {
        family: 'smuggling',
        name: `bare-LF request head (${path})`,
        expected: '400, or served as the one request it is',
        run: async (t, env) => {
          const from = env.good.seen.length;
          const r = await rawExchange(t.plainPort(), `GET ${path}/bare-lf HTTP/1.1\nHost: localhost\nX-A: 1\n\n`, { waitMs: 4000, expectResponses: 1 });
          const seen = newSeen(env, from).filter((s) => s.url.includes('bare-lf'));
          return { pass: r.statuses[0] === 400 || (r.statuses[0] === 200 && seen.length === 1), seen: `${statusText(r)}; backend saw ${seen.length}` };
        },
      },
      {
        family: 'smuggling',
        name: `obs-fold header (${path})`,
        expected: '400, or the value unfolded (no CR/LF reaches the backend)',
        run: async (t, env) => {
          const from = env.good.seen.length;
          const r = await rawExchange(t.plainPort(), req('GET', `${path}/fold`, ['X-Fold: a', ' b']), { waitMs: 1500, expectResponses: 1 });
          const value = newSeen(env, from).at(-1)?.headers['x-fold'];
          return { pass: r.statuses[0] === 400 || (typeof value === 'string' && !/[\r\n]/.test(value)), seen: `${statusText(r)}; backend x-fold=${JSON.stringify(value)}` };
        },
      },
    );
  }
  for (const size of [20, 8000]) {
    out.push({
      family: 'smuggling',
      name: `requests inside a ${size * SMUGGLED.length}-byte body to a path no router takes (pe-edge: 404), then a request`,
      expected: 'no /smuggled request reaches the backend; the request after the body is served, or the connection closes after the first answer',
      run: async (t, env) => {
        const from = env.good.seen.length;
        const body = SMUGGLED.repeat(size);
        const r = await rawExchange(t.plainPort(), req('POST', '/nowhere', [`Content-Length: ${body.length}`], body) + req('GET', '/lean/after-body'), { waitMs: 3000, expectResponses: 2 });
        const smuggled = newSeen(env, from).some((s) => s.url.includes('smuggled'));
        const served = (r.statuses.length === 2 && r.statuses[1] === 200) || (r.statuses.length === 1 && r.closed);
        return { pass: !smuggled && served, seen: `${statusText(r)}${smuggled ? '; backend saw /smuggled' : ''}` };
      },
    });
  }
  return out;
}

/** A probe whose hostile backend answers `answer` (left open unless `end`); the client request goes to `path`. */
function responseProbe(
  name: string,
  expected: string,
  paths: readonly ('/hostile-lean' | '/hostile-mw' | 'tls')[],
  answer: HostileHandler,
  judge: (r: RawResult, alive: string | null) => Outcome,
  request: (path: string) => string = (p) => req('GET', `${p}/r`, ['Connection: close']),
  waitMs = 3000,
): Probe[] {
  return paths.map((p) => ({
    family: 'response-side',
    name: `${name} (${p === 'tls' ? 'TLS HTTP/1.1' : p === '/hostile-lean' ? 'no middleware' : 'middleware'})`,
    expected,
    run: async (t, env) => {
      env.hostile.handler = answer;
      const r = p === 'tls' ? await rawExchange(t.tlsPort(), request('/hostile'), { tls: true, waitMs }) : await rawExchange(t.plainPort(), request(p), { waitMs });
      await sleep(200);
      return judge(r, await t.problem());
    },
  }));
}

const ALL_FRONTS = ['/hostile-lean', '/hostile-mw', 'tls'] as const;

function responseProbes(): Probe[] {
  const gz = gzipSync('hello gzip');
  const big = 'X-Big: ' + 'b'.repeat(70 * 1024);
  return [
    ...responseProbe(
      'reason phrase "O\\x0bK\\x7f\\x01"',
      '200 "ok", no control character in the status line, proxy alive',
      ALL_FRONTS,
      ({ socket }) => socket.end('HTTP/1.1 200 O\x0bK\x7f\x01\r\nContent-Length: 2\r\n\r\nok'),
      (r, alive) => {
        const { statusLine, body } = firstResponse(r.text);
        return { pass: r.statuses[0] === 200 && body === 'ok' && !hasCtl(statusLine) && alive === null, seen: `${statusText(r)} ${JSON.stringify(statusLine)}${alive === null ? '' : '; ' + alive.split('\n')[0]}` };
      },
    ),
    ...responseProbe(
      'bare-LF response head',
      '200 "ok" (accepted as HAProxy/nginx/Go do), not a hang',
      ['/hostile-lean', '/hostile-mw'],
      ({ socket }) => socket.write('HTTP/1.1 200 OK\nContent-Length: 2\n\nok'),
      (r) => ({ pass: r.statuses[0] === 200 && firstResponse(r.text).body === 'ok', seen: statusText(r) }),
    ),
    ...responseProbe(
      'Transfer-Encoding: gzip, chunked',
      '502, or the gzip coding kept visible to the client',
      ['/hostile-lean', '/hostile-mw'],
      ({ socket }) => socket.end(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n${gz.length.toString(16)}\r\n`), gz, Buffer.from('\r\n0\r\n\r\n')])),
      (r) => {
        const { head } = firstResponse(r.text);
        return { pass: r.statuses[0] === 502 || /^(transfer|content)-encoding:.*gzip/im.test(head), seen: `${statusText(r)}${/gzip/i.test(head) ? '' : '; gzip coding dropped'}` };
      },
    ),
    ...responseProbe(
      'response head > 64 KiB in one write',
      '502',
      ['/hostile-lean', '/hostile-mw'],
      ({ socket }) => socket.end(`HTTP/1.1 200 OK\r\n${big}\r\nContent-Length: 2\r\n\r\nok`),
      (r) => ({ pass: r.statuses[0] === 502, seen: statusText(r) }),
    ),
    ...responseProbe(
      '__proto__ / constructor header names',
      '200 with the names relayed as plain headers (or dropped), nothing else added',
      ['/hostile-lean', '/hostile-mw'],
      ({ socket }) => socket.end('HTTP/1.1 200 OK\r\n__proto__: x\r\nconstructor: y\r\nhasOwnProperty: z\r\nContent-Length: 2\r\n\r\nok'),
      (r) => {
        const { head } = firstResponse(r.text);
        const odd = /\[object|function |^: /im.test(head);
        return { pass: r.statuses[0] === 200 && !odd, seen: `${statusText(r)}${odd ? '; polluted head: ' + JSON.stringify(head.slice(0, 120)) : ''}` };
      },
    ),
    ...['204 No Content', '304 Not Modified'].flatMap((status) =>
      responseProbe(
        `Content-Length: 5 on ${status.slice(0, 3)}`,
        `${status.slice(0, 3)} without Content-Length`,
        ['/hostile-lean', '/hostile-mw'],
        ({ socket }) => socket.end(`HTTP/1.1 ${status}\r\nContent-Length: 5\r\n\r\n`),
        (r) => {
          const { head } = firstResponse(r.text);
          return { pass: r.statuses[0] === Number(status.slice(0, 3)) && !/^content-length:/im.test(head), seen: `${statusText(r)}${/^content-length:/im.test(head) ? '; Content-Length relayed' : ''}` };
        },
      ),
    ),
    ...responseProbe(
      'Connection: X-Secret on the response',
      'X-Secret (named by the upstream Connection) not relayed',
      ['/hostile-lean', '/hostile-mw'],
      ({ socket }) => socket.end('HTTP/1.1 200 OK\r\nConnection: X-Secret\r\nX-Secret: hop\r\nContent-Length: 2\r\n\r\nok'),
      (r) => ({ pass: r.statuses[0] === 200 && !/^x-secret:/im.test(firstResponse(r.text).head), seen: `${statusText(r)}${/^x-secret:/im.test(r.text) ? '; X-Secret relayed' : ''}` }),
    ),
    ...(['/hostile-lean', '/hostile-mw'] as const).map(
      (p): Probe => ({
        family: 'response-side',
        name: `unsolicited 2nd response on a keep-alive upstream connection (${p === '/hostile-lean' ? 'no middleware' : 'middleware'})`,
        expected: 'the next client gets its own answer',
        run: async (t, env) => {
          env.hostile.handler = ({ socket, target }) => {
            if (target.includes('/first')) {
              socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst');
              setTimeout(() => socket.destroyed || socket.write('HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nunsolicited'), 300);
            } else setTimeout(() => socket.destroyed || socket.write('HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond'), 600);
          };
          // The next client arrives 100 ms after the first answer, before the unsolicited bytes; its own
          // answer takes 600 ms, so a reused upstream connection hands it the unsolicited response.
          await rawExchange(t.plainPort(), req('GET', `${p}/first`, ['Connection: close']), { waitMs: 1000, expectResponses: 1 });
          await sleep(100);
          const r = await rawExchange(t.plainPort(), req('GET', `${p}/second`, ['Connection: close']), { waitMs: 2000 });
          const body = firstResponse(r.text).body;
          return { pass: r.statuses[0] === 200 && body === 'second', seen: `${statusText(r)} ${JSON.stringify(body)}` };
        },
      }),
    ),
  ];
}

const WS_HEADERS = ['Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13'];

function upgradeProbes(): Probe[] {
  return [
    ...(['plain', 'tls'] as const).map(
      (kind): Probe => ({
        family: 'upgrades',
        name: `websocket upgrade pipelined behind a pending request (${kind === 'tls' ? 'TLS' : '/mw'}; found by fuzzing)`,
        expected: 'the first request answered 200, the proxy keeps serving',
        run: async (t) => {
          const first = kind === 'tls' ? '/a' : '/mw/a';
          const bytes = `GET ${first} HTTP/1.1\r\nHost: localhost\r\n\r\nGET ${first} HTTP/1.1\r\nHost: localhost\r\n${WS_HEADERS.map((h) => h + '\r\n').join('')}\r\n`;
          const r = await rawExchange(kind === 'tls' ? t.tlsPort() : t.plainPort(), bytes, { tls: kind === 'tls', waitMs: 1000 });
          const crash = await t.crashAndRestart();
          if (crash !== null) return { pass: false, seen: `CRASH: ${crash}` };
          return { pass: r.statuses[0] === 200, seen: statusText(r) };
        },
      }),
    ),
    {
      family: 'upgrades',
      name: 'backend 101 with Upgrade: h2c to a websocket request',
      // The review asked for 502; Traefik answers 500 (Go's "backend tried to switch protocol" through its
      // error handler), which pe-edge follows. Either refuses the tunnel.
      expected: 'no tunnel: 500 (Traefik) or 502',
      run: async (t, env) => {
        env.hostile.handler = ({ socket }) => socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n');
        const r = await rawExchange(t.plainPort(), req('GET', '/hostile-mw/ws', WS_HEADERS), { waitMs: 1500 });
        return { pass: r.statuses[0] === 500 || r.statuses[0] === 502, seen: statusText(r) };
      },
    },
    {
      family: 'upgrades',
      name: 'Upgrade: h2c request',
      expected: 'Upgrade: h2c not forwarded, no 101',
      run: async (t, env) => {
        env.hostile.handler = ({ socket }) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
        const before = env.hostile.heads.length;
        const r = await rawExchange(t.plainPort(), req('GET', '/hostile-mw/h2c', ['Connection: Upgrade, HTTP2-Settings', 'Upgrade: h2c', 'HTTP2-Settings: AAMAAABkAAQAAP__']), { waitMs: 1500 });
        const head = env.hostile.heads.slice(before).join('');
        const forwarded = /^upgrade:\s*h2c/im.test(head);
        return { pass: !forwarded && r.statuses[0] !== 101, seen: `${statusText(r)}${forwarded ? '; backend saw Upgrade: h2c' : ''}` };
      },
    },
    {
      family: 'upgrades',
      name: 'upgrade request with a body (Content-Length: 5)',
      expected: 'forwarded as a normal request without Upgrade',
      run: async (t, env) => {
        env.hostile.handler = ({ socket }) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
        const before = env.hostile.heads.length;
        const r = await rawExchange(t.plainPort(), req('POST', '/hostile-mw/upbody', [...WS_HEADERS, 'Content-Length: 5'], 'hello'), { waitMs: 1500 });
        const head = env.hostile.heads.slice(before).join('');
        const forwarded = /^upgrade:/im.test(head);
        return { pass: !forwarded && r.statuses[0] === 200, seen: `${statusText(r)}${forwarded ? '; backend saw Upgrade' : ''}${head === '' ? '; not forwarded' : ''}` };
      },
    },
  ];
}

/** A dot segment, raw or percent-encoded, once the path is decoded as a backend like nginx does. */
function hasDotSegment(path: string): boolean {
  let decoded = path.split('?')[0] ?? '';
  try {
    decoded = decodeURIComponent(decoded);
  } catch {
    // keep it raw
  }
  return decoded.split('/').some((seg) => seg === '..' || seg === '.');
}

function routingProbes(): Probe[] {
  return ['/public/../admin/secret', '/public/%2e%2e/admin/secret', '/public/.%2e/admin/secret', '/public/./../admin/secret', '/public/..%2fadmin/secret'].map((path) => ({
    family: 'routing bypass',
    name: `GET ${path} (Host nx.test; /admin behind basicAuth)`,
    expected: '401 (admin router) or 400; never an unauthenticated /admin or a dot segment at the backend',
    run: async (t, env) => {
      const from = env.good.seen.length;
      const r = await rawExchange(t.plainPort(), `GET ${path} HTTP/1.1\r\nHost: nx.test\r\nConnection: close\r\n\r\n`, { waitMs: 1500 });
      const reached = newSeen(env, from).map((s) => s.url);
      const bad = reached.filter((u) => hasDotSegment(u) || u.startsWith('/admin'));
      return { pass: bad.length === 0, seen: `${statusText(r)}${reached.length > 0 ? `; backend got ${reached.join(' ')}` : ''}` };
    },
  }));
}

function hostProbes(): Probe[] {
  return [
    ...['/lean', '/mw'].map(
      (p): Probe => ({
        family: 'Host',
        name: `two Host headers (${p})`,
        expected: '400',
        run: async (t) => {
          const r = await rawExchange(t.plainPort(), `GET ${p}/two-hosts HTTP/1.1\r\nHost: localhost\r\nHost: nx.test\r\nConnection: close\r\n\r\n`, { waitMs: 1500 });
          return { pass: r.statuses[0] === 400, seen: statusText(r) };
        },
      }),
    ),
    {
      family: 'Host',
      name: 'absolute-form GET http://nx.test/admin/secret, Host: evil.test',
      expected: '401: the target authority is the host (routing reaches the admin router)',
      run: async (t) => {
        const r = await rawExchange(t.plainPort(), 'GET http://nx.test/admin/secret HTTP/1.1\r\nHost: evil.test\r\nConnection: close\r\n\r\n', { waitMs: 1500 });
        return { pass: r.statuses[0] === 401 || r.statuses[0] === 400, seen: statusText(r) };
      },
    },
    {
      family: 'Host',
      name: 'HTTP/2 :authority nx.test with host: evil.test, /admin/secret',
      expected: '401: :authority wins',
      run: async (t) => {
        const conn = await RawH2Connection.connect(t.tlsPort(), 'nx.test');
        try {
          conn.write(headersFrame(1, requestFields('GET', '/admin/secret', 'nx.test', [['host', 'evil.test']]), true));
          const answer = await conn.answerOn(1, 2000);
          const status = answer === undefined ? undefined : answer.type === FRAME.RST_STREAM ? 'RST_STREAM' : statusOf(answer);
          return { pass: status === 401 || status === 400 || status === 'RST_STREAM', seen: String(status ?? 'no answer') };
        } finally {
          conn.destroy();
        }
      },
    },
  ];
}

function floodProbes(): Probe[] {
  const N = 200;
  return [
    ...['/lean', '/mw'].map(
      (p): Probe => ({
        family: 'floods',
        name: `${N} pipelined GETs on one connection (${p})`,
        expected: `${N} answers, at most 4 new upstream connections`,
        run: async (t, env) => {
          const before = env.goodConnections();
          const r = await rawExchange(t.plainPort(), req('GET', `${p}/pipe`).repeat(N), { waitMs: 8000, expectResponses: N });
          const opened = env.goodConnections() - before;
          return { pass: r.statuses.length === N && opened <= 4, seen: `${r.statuses.length} answers, ${opened} upstream connections` };
        },
      }),
    ),
    {
      family: 'floods',
      name: 'slowloris head, a header line per second (readTimeout 3s)',
      expected: 'closed (or 408) within 6 s',
      run: async (t) => {
        const r = await rawExchange(t.plainPort(), 'GET /lean/slow HTTP/1.1\r\nHost: localhost\r\n', { more: Array.from({ length: 9 }, (_, i) => `X-${i}: a\r\n`), every: 1000, waitMs: 10_000 });
        return { pass: r.closedAfterMs !== null && r.closedAfterMs <= 6000, seen: r.closedAfterMs === null ? 'open after 10 s' : `closed after ${(r.closedAfterMs / 1000).toFixed(1)} s ${statusText(r)}` };
      },
    },
    ...([
      ['a Content-Length body (lean front)', ['Content-Length: 2'], 'hi'],
      ['a chunked body (node:http hand-off)', ['Transfer-Encoding: chunked'], '2\r\nhi\r\n0\r\n\r\n'],
    ] as const).map(([what, headers, body]): Probe => ({
      family: 'floods',
      name: `slowloris 2nd head after a request with ${what}`,
      expected: 'closed (or 408) within 6 s of the 2nd head starting',
      run: async (t) => {
        const first = req('POST', '/mw/first', [...headers], body);
        const r = await rawExchange(t.plainPort(), first + 'GET /mw/slow HTTP/1.1\r\nHost: localhost\r\n', { more: Array.from({ length: 9 }, (_, i) => `X-${i}: a\r\n`), every: 1000, waitMs: 10_000 });
        return { pass: r.closedAfterMs !== null && r.closedAfterMs <= 6000, seen: r.closedAfterMs === null ? `open after 10 s (${statusText(r)})` : `closed after ${(r.closedAfterMs / 1000).toFixed(1)} s ${statusText(r)}` };
      },
    })),
    {
      family: 'floods',
      name: 'slowloris TLS head, a header line per second',
      expected: 'closed (or 408) within 6 s',
      run: async (t) => {
        const r = await rawExchange(t.tlsPort(), 'GET / HTTP/1.1\r\nHost: localhost\r\n', { tls: true, more: Array.from({ length: 9 }, (_, i) => `X-${i}: a\r\n`), every: 1000, waitMs: 10_000 });
        return { pass: r.closedAfterMs !== null && r.closedAfterMs <= 6000, seen: r.closedAfterMs === null ? 'open after 10 s' : `closed after ${(r.closedAfterMs / 1000).toFixed(1)} s ${statusText(r)}` };
      },
    },
    {
      family: 'floods',
      name: 'slow body, a byte per second (Content-Length: 100, /mw)',
      expected: 'closed (or 408) within 6 s',
      run: async (t) => {
        const r = await rawExchange(t.plainPort(), req('POST', '/mw/slow-body', ['Content-Length: 100']), { more: Array.from({ length: 9 }, () => 'a'), every: 1000, waitMs: 10_000 });
        return { pass: r.closedAfterMs !== null && r.closedAfterMs <= 6000, seen: r.closedAfterMs === null ? `open after 10 s (${statusText(r)})` : `closed after ${(r.closedAfterMs / 1000).toFixed(1)} s ${statusText(r)}` };
      },
    },
  ];
}

function h2Probes(): Probe[] {
  const upload = (name: string, send: (conn: RawH2Connection) => Promise<void>): Probe => ({
    family: 'HTTP/2 frames',
    name,
    expected: 'the stream is reset or refused; the proxy keeps serving',
    run: async (t) => {
      const conn = await RawH2Connection.connect(t.tlsPort());
      let answer = 'no answer';
      try {
        await send(conn);
        const f = await conn.answerOn(1, 1000);
        if (f !== undefined) answer = f.type === FRAME.RST_STREAM ? `RST_STREAM ${f.payload.readUInt32BE(0)}` : `HEADERS ${String(statusOf(f))}`;
      } finally {
        conn.destroy();
      }
      await sleep(300);
      const crash = await t.crashAndRestart();
      if (crash !== null) return { pass: false, seen: `CRASH: ${crash}` };
      const alive = await t.problem();
      return { pass: alive === null, seen: `${answer}${alive === null ? '' : '; ' + alive}` };
    },
  });
  const post = (extra: [string, string][] = []): Buffer => headersFrame(1, requestFields('POST', '/upload', 'localhost', [['content-type', 'text/plain'], ...extra]), false);
  return [
    upload('POST, DATA "hello", RST_STREAM CANCEL 0.3 s later', async (c) => {
      c.write(post());
      c.write(dataFrame(1, 'hello', false));
      await sleep(300);
      c.write(rstStream(1, ERR.CANCEL));
    }),
    upload('POST content-length: 100, 5 bytes and END_STREAM', async (c) => {
      c.write(post([['content-length', '100']]));
      c.write(dataFrame(1, 'hello', true));
    }),
    upload('POST content-length: 5, 47 bytes and END_STREAM', async (c) => {
      c.write(post([['content-length', '5']]));
      c.write(dataFrame(1, 'hello, this body is longer than its length says', true));
    }),
  ];
}

function connectionListedProbes(): Probe[] {
  return [
    {
      family: 'Connection-listed',
      name: 'Connection: X-WebAuth-User with valid credentials (basicAuth sets it)',
      expected: 'the backend sees X-WebAuth-User: test',
      run: async (t, env) => {
        const from = env.good.seen.length;
        const r = await rawExchange(t.plainPort(), `GET /admin/x HTTP/1.1\r\nHost: nx.test\r\nAuthorization: ${TEST_AUTH}\r\nConnection: X-WebAuth-User\r\n\r\n`, { waitMs: 1500, expectResponses: 1 });
        const value = newSeen(env, from).at(-1)?.headers['x-webauth-user'];
        return { pass: value === 'test', seen: `${statusText(r)}; backend X-WebAuth-User=${JSON.stringify(value)}` };
      },
    },
    {
      family: 'Connection-listed',
      name: 'Connection: X-Edge-Middleware (a headers middleware sets it, /mw)',
      expected: 'the backend sees X-Edge-Middleware: yes',
      run: async (t, env) => {
        const from = env.good.seen.length;
        const r = await rawExchange(t.plainPort(), req('GET', '/mw/conn', ['Connection: X-Edge-Middleware']), { waitMs: 1500, expectResponses: 1 });
        const value: IncomingHttpHeaders[string] = newSeen(env, from).at(-1)?.headers['x-edge-middleware'];
        return { pass: value === 'yes', seen: `${statusText(r)}; backend X-Edge-Middleware=${JSON.stringify(value)}` };
      },
    },
  ];
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).toLowerCase();
  const probes = [...smugglingProbes(), ...responseProbes(), ...upgradeProbes(), ...routingProbes(), ...hostProbes(), ...floodProbes(), ...h2Probes(), ...connectionListedProbes()].filter(
    (p) => only === undefined || `${p.family} ${p.name}`.toLowerCase().includes(only),
  );
  const good = await startBackend('good');
  let connections = 0;
  good.server.on('connection', () => (connections += 1));
  const hostile = await startHostileBackend();
  const env: Env = { good, hostile, goodConnections: () => connections };
  const targets: Target[] = [await PeEdgeTarget.start(env)];
  for (const [kind, versionFlag] of [['haproxy', '-v'], ['nginx', '-v']] as const) {
    if (!ExternalTarget.available(kind, versionFlag)) {
      console.log(`${kind} is not installed (apt-get install -y ${kind}): its column is left out`);
      continue;
    }
    try {
      targets.push(await ExternalTarget.start(kind, env));
    } catch (err) {
      console.log(`${kind} left out: ${(err as Error).message}`);
    }
  }

  const rows: string[][] = [];
  const totals = new Map<string, { pass: number; fail: number }>(targets.map((t) => [t.name, { pass: 0, fail: 0 }]));
  for (const probe of probes) {
    const cells: string[] = [];
    for (const t of targets) {
      let outcome: Outcome;
      try {
        outcome = await probe.run(t, env);
      } catch (err) {
        outcome = { pass: false, seen: `probe error: ${(err as Error).message.split('\n')[0]}` };
      }
      const crash = await t.crashAndRestart();
      if (crash !== null) outcome = { pass: false, seen: `CRASH: ${crash}` };
      const total = totals.get(t.name);
      if (total !== undefined) total[outcome.pass ? 'pass' : 'fail'] += 1;
      cells.push(`${outcome.pass ? 'pass' : 'FAIL'}: ${outcome.seen}`.replaceAll('|', '\\|'));
      process.stderr.write(`${probe.family} | ${probe.name} | ${t.name}: ${cells.at(-1)}\n`);
    }
    rows.push([probe.family, probe.name.replaceAll('|', '\\|'), probe.expected, ...cells]);
  }
  for (const t of targets) await t.stop();
  await good.close();
  await hostile.close();

  const header = ['family', 'probe', 'expected (safe) outcome', ...targets.map((t) => t.name)];
  console.log(`\n| ${header.join(' | ')} |\n|${header.map(() => ' --- ').join('|')}|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
  console.log('');
  for (const [name, { pass, fail }] of totals) console.log(`${name}: ${pass} pass, ${fail} fail of ${pass + fail}`);
}

await main();
