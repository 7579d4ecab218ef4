// The real pe-edge CLI in a child process, configured for attack tests: one entrypoint serving plain
// HTTP and TLS (the self-signed default certificate), routers with and without middlewares in front
// of a well-behaved echo backend and a hostile raw backend. A crash kills the child, not the test.
import http from 'node:http';
import https from 'node:https';
import { startBackend, type Backend } from './backends.js';
import { CliProcess, freePort, TempConfigDir } from './cli-process.js';
import { startHostileBackend, type HostileBackend } from './hostile-backend.js';

/** The Traefik docs' example user: test / test. */
export const TEST_USER = 'test:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/';
export const TEST_AUTH = `Basic ${Buffer.from('test:test').toString('base64')}`;

/**
 * Routers, by path, all on the one entrypoint `web`:
 * - plain HTTP: `/lean…` (no middleware: the lean front), `/mw…` (a headers middleware: node:http),
 *   `/hostile-lean…`, `/hostile-mw…` (the same two in front of the hostile backend);
 *   Host `nx.test`: `/admin…` behind basicAuth (headerField X-WebAuth-User), `/public…` without.
 * - TLS (`tls: {}`): `/…` to the echo backend, `/hostile…` to the hostile backend, `/mw-tls…` with the middleware,
 *   and Host `nx.test` `/admin…` behind basicAuth.
 */
export function edgeDynamicYaml(good: string, hostile: string): string {
  const router = (name: string, rule: string, service: string, opts: { middlewares?: string[]; tls?: boolean } = {}): string[] => [
    `    ${name}:`,
    `      rule: ${JSON.stringify(rule)}`,
    `      service: ${service}`,
    '      entryPoints: [web]',
    ...(opts.middlewares !== undefined ? [`      middlewares: [${opts.middlewares.join(', ')}]`] : []),
    ...(opts.tls === true ? ['      tls: {}'] : []),
  ];
  return [
    'http:',
    '  routers:',
    ...router('lean', 'PathPrefix(`/lean`)', 'good'),
    ...router('mw', 'PathPrefix(`/mw`)', 'good', { middlewares: ['tag'] }),
    ...router('hostile-lean', 'PathPrefix(`/hostile-lean`)', 'hostile'),
    ...router('hostile-mw', 'PathPrefix(`/hostile-mw`)', 'hostile', { middlewares: ['tag'] }),
    ...router('nx-admin', 'Host(`nx.test`) && PathPrefix(`/admin`)', 'good', { middlewares: ['auth'] }),
    ...router('nx-public', 'PathPrefix(`/public`)', 'good'),
    ...router('tls-any', 'PathPrefix(`/`)', 'good', { tls: true }),
    ...router('tls-mw', 'PathPrefix(`/mw-tls`)', 'good', { tls: true, middlewares: ['tag'] }),
    ...router('tls-hostile', 'PathPrefix(`/hostile`)', 'hostile', { tls: true }),
    ...router('tls-nx-admin', 'Host(`nx.test`) && PathPrefix(`/admin`)', 'good', { tls: true, middlewares: ['auth'] }),
    '  middlewares:',
    '    tag:',
    '      headers:',
    '        customRequestHeaders:',
    '          X-Edge-Middleware: "yes"',
    '    auth:',
    '      basicAuth:',
    `        users: [${JSON.stringify(TEST_USER)}]`,
    '        headerField: X-WebAuth-User',
    '  services:',
    '    good:',
    '      loadBalancer:',
    '        servers:',
    `          - url: ${good}`,
    '    hostile:',
    '      loadBalancer:',
    '        servers:',
    `          - url: ${hostile}`,
    '',
  ].join('\n');
}

export interface EdgeChild {
  proc: CliProcess;
  port: number;
  good: Backend;
  hostile: HostileBackend;
  dir: TempConfigDir;
  stop(): Promise<void>;
}

/**
 * Starts the backends (unless given: then they are shared and left running by `stop()`) and the CLI;
 * resolves once the entrypoint listens and `/lean` answers 200.
 */
export async function startEdgeChild(opts: { readTimeout?: string; good?: Backend; hostile?: HostileBackend } = {}): Promise<EdgeChild> {
  const good = opts.good ?? (await startBackend('good'));
  const hostile = opts.hostile ?? (await startHostileBackend());
  const dir = new TempConfigDir();
  const port = await freePort();
  const dynamic = dir.write('dynamic.yml', edgeDynamicYaml(good.url, hostile.url));
  dir.write(
    'traefik.yml',
    [
      'entryPoints:',
      '  web:',
      `    address: "127.0.0.1:${port}"`,
      '    transport:',
      '      respondingTimeouts:',
      `        readTimeout: ${opts.readTimeout ?? '3s'}`,
      'providers:',
      '  file:',
      `    filename: ${JSON.stringify(dynamic)}`,
      'log:',
      '  level: INFO',
      '  format: json',
      '',
    ].join('\n'),
  );
  const proc = new CliProcess(['--configFile=traefik.yml'], { cwd: dir.path });
  const stop = async (): Promise<void> => {
    // No graceful shutdown to wait for: these tests judge survival, not draining.
    proc.signal('SIGKILL');
    await proc.exited;
    if (opts.good === undefined) await good.close();
    if (opts.hostile === undefined) await hostile.close();
    dir.remove();
  };
  try {
    // The file provider loads asynchronously: wait until the lean router answers.
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (proc.exit !== undefined) throw new Error(`pe-edge exited at start (${JSON.stringify(proc.exit)})\n${proc.output()}`);
      const r = await plainGet(port, '/lean/ready', 1000).catch(() => undefined);
      if (r?.status === 200) break;
      if (Date.now() > deadline) throw new Error(`pe-edge did not serve /lean within 10 s\n${proc.output()}`);
      await new Promise((res) => setTimeout(res, 100));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { proc, port, good, hostile, dir, stop };
}

export interface SimpleAnswer {
  status: number;
  statusMessage: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function collect(req: http.ClientRequest, timeoutMs: number, resolve: (a: SimpleAnswer) => void, reject: (e: Error) => void, body?: string): void {
  const timer = setTimeout(() => {
    req.destroy();
    reject(new Error(`no answer within ${timeoutMs} ms`));
  }, timeoutMs);
  req.on('response', (res) => {
    let text = '';
    res.setEncoding('latin1');
    res.on('data', (c: string) => (text += c));
    res.on('end', () => {
      clearTimeout(timer);
      resolve({ status: res.statusCode ?? 0, statusMessage: res.statusMessage ?? '', headers: res.headers, body: text });
    });
    res.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
  req.on('error', (e) => {
    clearTimeout(timer);
    reject(e);
  });
  req.end(body);
}

/** One plain HTTP/1.1 request on a fresh connection, with a deadline. */
export function plainGet(port: number, path: string, timeoutMs = 3000, headers: http.OutgoingHttpHeaders = {}): Promise<SimpleAnswer> {
  return new Promise((resolve, reject) => {
    collect(http.request({ host: '127.0.0.1', port, path, headers, agent: false }), timeoutMs, resolve, reject);
  });
}

/** One HTTP/1.1-over-TLS request on a fresh connection (ALPN http/1.1), with a deadline. */
export function tlsGet(port: number, path: string, timeoutMs = 3000, headers: http.OutgoingHttpHeaders = {}): Promise<SimpleAnswer> {
  return new Promise((resolve, reject) => {
    collect(
      https.request({ host: '127.0.0.1', port, path, headers, agent: false, rejectUnauthorized: false, servername: 'localhost' }),
      timeoutMs,
      resolve,
      reject,
    );
  });
}

/**
 * "Still alive and serving": the child has not exited and a normal plain request answers 200 from
 * the echo backend. Returns a description of what went wrong, or null when all is well.
 */
export async function healthProblem(edge: EdgeChild): Promise<string | null> {
  if (edge.proc.exit !== undefined) return `pe-edge exited ${JSON.stringify(edge.proc.exit)}\n${edge.proc.stderr.slice(-20).join('\n')}`;
  try {
    const r = await plainGet(edge.port, '/lean/health-check', 3000);
    if (r.status !== 200 || r.body !== 'good') return `normal request got ${r.status} ${JSON.stringify(r.body.slice(0, 80))}`;
  } catch (err) {
    // A crash takes a moment to show as an exit: give it that moment for a clear message.
    await new Promise((res) => setTimeout(res, 200));
    if (edge.proc.exit !== undefined) return `pe-edge exited ${JSON.stringify(edge.proc.exit)}\n${edge.proc.stderr.slice(-20).join('\n')}`;
    return `normal request failed: ${(err as Error).message}`;
  }
  return null;
}
