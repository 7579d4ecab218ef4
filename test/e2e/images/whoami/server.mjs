// whoami for pe-edge's end-to-end tests: like traefik/whoami, with no dependencies.
//
//   GET /anything     text: Name, Hostname, IP, RemoteAddr, request line, every header seen
//   GET /api          the same as JSON: { name, hostname, ip, remoteAddr, method, url, host, headers }
//   GET /health       200 "ok" until /health/fail is requested, then 500 "failing" until /health/ok
//   /health/fail      flips /health to 500;  /health/ok flips it back to 200
//
// Env: PORT (default 80), WHOAMI_NAME (echoed as Name and in the X-Whoami-Name header).
import http from 'node:http';
import os from 'node:os';

const port = Number(process.env.PORT ?? 80);
const name = process.env.WHOAMI_NAME ?? '';
let healthy = true;

function addresses() {
  const out = [];
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (!a.internal) out.push(a.address);
  }
  return out;
}

const server = http.createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  const send = (status, type, body) => {
    res.writeHead(status, { 'content-type': type, 'x-whoami-name': name, 'x-whoami-hostname': os.hostname() });
    res.end(body);
  };
  if (path === '/health/fail') {
    healthy = false;
    return send(200, 'text/plain', 'health: failing\n');
  }
  if (path === '/health/ok') {
    healthy = true;
    return send(200, 'text/plain', 'health: ok\n');
  }
  if (path === '/health') return send(healthy ? 200 : 500, 'text/plain', healthy ? 'ok\n' : 'failing\n');
  // Drain the body so POSTs are answered after it was read, as a real backend does.
  req.resume();
  req.on('end', () => {
    const info = {
      name,
      hostname: os.hostname(),
      ip: addresses(),
      remoteAddr: `${req.socket.remoteAddress}:${req.socket.remotePort}`,
      method: req.method,
      url: req.url,
      host: req.headers.host ?? '',
      headers: req.headers,
    };
    if (path === '/api') return send(200, 'application/json', JSON.stringify(info) + '\n');
    const lines = [
      `Name: ${name}`,
      `Hostname: ${info.hostname}`,
      ...info.ip.map((ip) => `IP: ${ip}`),
      `RemoteAddr: ${info.remoteAddr}`,
      `${req.method} ${req.url} HTTP/${req.httpVersion}`,
      `Host: ${info.host}`,
    ];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      if (req.rawHeaders[i].toLowerCase() !== 'host') lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    }
    send(200, 'text/plain', lines.join('\n') + '\n');
  });
});

server.listen(port, () => process.stdout.write(`whoami ${name || os.hostname()} listening on :${port}\n`));

// PID 1 in a container gets no default signal handling: stop at once on docker stop.
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  });
}
