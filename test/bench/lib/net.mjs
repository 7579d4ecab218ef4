// Small network helpers for the bench scripts, 127.0.0.1 only.
//   node net.mjs free-ports N                 -> prints N free TCP ports on 127.0.0.1, space separated
//   node net.mjs wait URL [timeoutMs] [pid]   -> waits until URL answers 200 with a body naming a backend
//                                               (app1/app2/app3), then prints which backends 6 probes reached.
//                                               Exits 1 on timeout or when process `pid` has died.
import http from 'node:http';
import net from 'node:net';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';

async function freePorts(n) {
  const servers = [];
  const ports = [];
  for (let i = 0; i < n; i++) {
    const srv = net.createServer();
    await new Promise((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', resolve);
    });
    servers.push(srv);
    ports.push(srv.address().port);
  }
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

function get(url, timeoutMs) {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
      res.on('error', (e) => resolve({ error: e.message }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ error: e.message }));
  });
}

function alive(pid) {
  if (!pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function wait(url, timeoutMs, pid) {
  const start = Date.now();
  let last = 'no answer';
  for (;;) {
    const r = await get(url, 1000);
    if (r.status === 200 && /^app\d/.test(r.body)) break;
    last = r.error ?? `HTTP ${r.status}: ${JSON.stringify(r.body.slice(0, 80))}`;
    if (!alive(pid)) {
      console.log(`process ${pid} exited before ${url} answered (last: ${last})`);
      process.exit(1);
    }
    if (Date.now() - start > timeoutMs) {
      console.log(`${url} did not answer with a backend body within ${timeoutMs} ms (last: ${last})`);
      process.exit(1);
    }
    await sleep(100);
  }
  const seen = new Map();
  for (let i = 0; i < 6; i++) {
    const r = await get(url, 2000);
    const key = r.status === 200 ? r.body.trim() : (r.error ?? `HTTP ${r.status}`);
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  const dist = [...seen].sort().map(([k, v]) => `${k}x${v}`).join(' ');
  console.log(`ready after ${Date.now() - start} ms; 6 probes reached: ${dist}`);
}

const [cmd, ...args] = process.argv.slice(2);
if (cmd === 'free-ports') {
  console.log((await freePorts(Number(args[0] ?? 1))).join(' '));
} else if (cmd === 'wait') {
  await wait(args[0], Number(args[1] ?? 20000), Number(args[2] ?? 0));
} else {
  console.error('usage: net.mjs free-ports N | wait URL [timeoutMs] [pid]');
  process.exit(2);
}
