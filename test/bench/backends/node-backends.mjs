// Fallback backends when nginx is not available: one Node process, three ports, body "app1\n" etc.
//   node node-backends.mjs PORT1 PORT2 PORT3
// Slower than nginx, so the "direct" row and the proxies' ceilings are lower than in the reference run.
import http from 'node:http';
import process from 'node:process';

process.argv.slice(2).forEach((port, i) => {
  const body = `app${i + 1}\n`;
  const headers = { 'content-type': 'text/plain', 'content-length': String(body.length) };
  const server = http.createServer((req, res) => {
    req.resume();
    res.writeHead(200, headers);
    res.end(body);
  });
  server.keepAliveTimeout = 75_000;
  server.listen(Number(port), '127.0.0.1');
});
