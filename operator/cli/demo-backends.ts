import http from 'node:http';

/** The three demo apps `npm start` runs beside pe-edge: each answers with its name and the path. */
export async function startDemoBackends(ports: readonly number[]): Promise<http.Server[]> {
  const servers: http.Server[] = [];
  for (const [i, port] of ports.entries()) {
    const name = `app${i + 1}`;
    const server = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'x-backend': name });
      res.end(`Hello from ${name} (${req.method} ${req.url})\n`);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new Error(`demo backend ${name} cannot listen on 127.0.0.1:${port}: ${err.message}`)));
      server.listen(port, '127.0.0.1', resolve);
    });
    servers.push(server);
  }
  return servers;
}
