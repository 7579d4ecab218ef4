import type { TempConfigDir } from './cli-process.js';
import { certificateFor } from './tcp-backends.js';

/** A certificate of its own for each name, written into `dir`, and the dynamic file's `tls.certificates` lines naming them. */
export function certificateLines(dir: TempConfigDir, names: readonly string[]): string[] {
  for (const name of names) {
    const { cert, key } = certificateFor(name);
    dir.write(`${name}.crt`, cert);
    dir.write(`${name}.key`, key);
  }
  return [
    'tls:',
    '  certificates:',
    ...names.map((n) => `    - { certFile: ${JSON.stringify(dir.file(`${n}.crt`))}, keyFile: ${JSON.stringify(dir.file(`${n}.key`))} }`),
  ];
}

/** An HTTPS router on `websecure` for each name, to a server nobody reaches (handshakes only): the `http` section. */
export function handshakeRouterLines(names: readonly string[]): string[] {
  return [
    'http:',
    '  services:',
    '    app: { loadBalancer: { servers: [{ url: "http://127.0.0.1:1" }] } }',
    '  routers:',
    ...names.map((n, i) => `    r${i}: { rule: "Host(\`${n}\`)", service: app, entryPoints: [websecure], tls: {} }`),
  ];
}
