// An address on loopback where a TCP dial gets no answer, as at a removed container's address: a listener in a
// stopped process whose accept queue is full, so the kernel drops every further SYN and the dial waits.
import { spawn } from 'node:child_process';
import net from 'node:net';

export interface UnansweredAddress {
  url: string;
  close(): void;
}

const LISTENER = "const s = require('net').createServer(); s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => console.log(s.address().port));";

export async function startUnansweredAddress(): Promise<UnansweredAddress> {
  const child = spawn(process.execPath, ['-e', LISTENER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
  });
  child.kill('SIGSTOP');
  // Fill the accept queue: the kernel completes handshakes for a stopped process until the queue is full.
  const fillers: net.Socket[] = [];
  for (let i = 0; i < 16; i++) {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    fillers.push(socket);
    const connected = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 300);
      socket.once('connect', () => { clearTimeout(timer); resolve(true); });
    });
    if (!connected) break;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    close() {
      fillers.forEach((s) => s.destroy());
      child.kill('SIGKILL');
    },
  };
}
