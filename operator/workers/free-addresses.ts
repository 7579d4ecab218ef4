import net from 'node:net';
import { parseListenAddress } from '../../proxy/entrypoints/listen-address.js';

// On node 22.12 and later every worker binds each entrypoint's port itself, with SO_REUSEPORT (workersListenAlone),
// which the kernel lets any number of one user's sockets share: two entrypoints given one address, or a second
// pe-edge started on the same ports, would start and split the connections between them, where one process (and
// Traefik) fails with "address already in use". So before forking, the primary binds every TCP entrypoint's address
// without the option, all at once, then lets them go. What binds the port before the workers do (a second pe-edge
// started at the same moment, whose workers are still starting too) is not caught.

/**
 * One error per TCP entrypoint whose address another entrypoint or another process holds, named as a single process
 * would report it (`entryPoint "b" (127.0.0.1:80): listen EADDRINUSE: ...`). UDP entrypoints and port 0 are left out.
 */
export async function takenAddresses(entryPoints: Readonly<Record<string, { readonly address: string }>>): Promise<string[]> {
  const held: net.Server[] = [];
  const errors: string[] = [];
  try {
    for (const [name, { address }] of Object.entries(entryPoints)) {
      const { host, port, protocol } = parseListenAddress(address);
      if (protocol !== 'tcp' || port === 0) continue;
      // A client that connects in the moment the address is held is cut at once: close()'s callback waits for every
      // connection the server accepted, and one left open would keep the primary from ever forking its workers.
      const server = net.createServer((socket) => socket.destroy());
      const refused = await new Promise<Error | null>((resolve) => {
        server.once('error', resolve);
        server.listen({ port, ...(host !== undefined ? { host } : {}), exclusive: true }, () => resolve(null));
      });
      if (refused === null) held.push(server);
      else errors.push(`entryPoint "${name}" (${address}): ${refused.message}`);
    }
  } finally {
    await Promise.all(held.map((server) => new Promise((resolve) => server.close(resolve))));
  }
  return errors;
}
