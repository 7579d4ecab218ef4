import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';

const CHILD = fileURLToPath(new URL('./child-proxy.js', import.meta.url));

export interface Child {
  port: number;
  /** Resident memory of the child now, MiB (Linux /proc). */
  rssMiB: () => number;
  stderr: () => string;
  /** null while running; the exit code (or signal) once it ended. */
  exited: () => string | null;
  stop: () => void;
}

/** Starts pe-edge in a child process with `config` (see child-proxy.ts). */
export async function startChild(config: unknown): Promise<Child> {
  const child: ChildProcess = spawn(process.execPath, [CHILD, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let exit: string | null = null;
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  child.once('exit', (code, signal) => (exit = `code ${code} signal ${signal}`));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('child did not start: ' + err)), 10_000);
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /PORT (\d+)/.exec(out);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    child.once('exit', () => { clearTimeout(timer); reject(new Error('child exited: ' + err)); });
  });
  return { port, rssMiB: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024, stderr: () => err, exited: () => exit, stop: () => { if (exit === null) child.kill(); } };
}

/** Writes `bytes` on a fresh connection (TLS with `tlsOn`), returns everything read until close or `waitMs`. */
export function exchange(port: number, bytes: string | Buffer, opts: { tlsOn?: boolean; waitMs?: number } = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket = opts.tlsOn
      ? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, servername: 'a.test', ALPNProtocols: ['http/1.1'] })
      : net.connect(port, '127.0.0.1');
    let out = '';
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => (out += c));
    socket.on('error', () => undefined);
    const timer = setTimeout(() => { socket.destroy(); resolve(out); }, opts.waitMs ?? 2000);
    socket.once('close', () => { clearTimeout(timer); resolve(out); });
    socket.once(opts.tlsOn ? 'secureConnect' : 'connect', () => socket.write(bytes));
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** An HTTP backend on 127.0.0.1 that reads the body and answers `echo <url>`; closed after the test. */
export async function echoBackend(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('echo ' + (req.url ?? '')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
