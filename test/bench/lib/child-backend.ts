// A keep-alive HTTP backend in its own process (a 512-byte text body), so a bench's pe-edge has the event loop
// of its process to itself.
import { spawn } from 'node:child_process';
import { once } from 'node:events';

export async function startChildBackend(): Promise<{ port: number; stop: () => void }> {
  const code = `const http = require('node:http'); const body = Buffer.from('x'.repeat(512));
    const s = http.createServer((req, res) => { res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length }); res.end(body); });
    s.keepAliveTimeout = 60000; s.listen(0, '127.0.0.1', () => console.log(s.address().port));`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
  return { port: Number(chunk.toString().trim()), stop: () => child.kill() };
}
