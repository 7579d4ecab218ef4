import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A CA and a client certificate it signed, valid from a minute ago until `seconds` from now (PEM), made with openssl. */
export interface ShortLivedClient {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
  /** When the client certificate stops being valid (ms since epoch, whole seconds as X.509 counts them). */
  readonly notAfter: number;
}

/** `openssl ca` rather than `x509 -req`: OpenSSL 3.0's x509 takes an end date in days only. */
export function shortLivedClientCertificate(seconds: number): ShortLivedClient {
  const dir = mkdtempSync(join(tmpdir(), 'pe-edge-client-cert-'));
  try {
    const run = (...args: string[]): void => {
      execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    };
    writeFileSync(join(dir, 'ca.cnf'), ['[ca]', 'default_ca = own', '[own]', 'dir = .', 'database = index.txt', 'new_certs_dir = .',
      'serial = serial', 'default_md = sha256', 'policy = any', 'copy_extensions = none', '[any]', 'commonName = supplied', ''].join('\n'));
    writeFileSync(join(dir, 'index.txt'), '');
    writeFileSync(join(dir, 'serial'), '01\n');
    run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=client-ca', '-keyout', 'ca.key', '-out', 'ca.crt');
    run('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=client', '-keyout', 'client.key', '-out', 'client.csr');
    const stamp = (ms: number): string => new Date(ms).toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
    const notAfter = Math.ceil((Date.now() + seconds * 1000) / 1000) * 1000;
    run('ca', '-batch', '-config', 'ca.cnf', '-cert', 'ca.crt', '-keyfile', 'ca.key', '-in', 'client.csr', '-out', 'client.crt',
      '-startdate', stamp(Date.now() - 60_000), '-enddate', stamp(notAfter));
    const read = (name: string): string => readFileSync(join(dir, name), 'utf8');
    return { ca: read('ca.crt'), cert: read('client.crt'), key: read('client.key'), notAfter };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
