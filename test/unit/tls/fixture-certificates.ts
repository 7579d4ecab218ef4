import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FixtureCertificate {
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
}

export interface FixtureDir {
  dir: string;
  make(name: string, dnsNames: readonly string[], keyType?: 'rsa' | 'ec'): FixtureCertificate;
  remove(): void;
}

/** Self-signed fixture certificates made with the openssl CLI in a temp dir (tests only, never product code). */
export function fixtureDir(): FixtureDir {
  const dir = mkdtempSync(join(tmpdir(), 'pe-edge-tls-'));
  return {
    dir,
    make(name, dnsNames, keyType = 'rsa') {
      const certFile = join(dir, `${name}.crt`);
      const keyFile = join(dir, `${name}.key`);
      const key = keyType === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
      // A name with a type prefix (`URI:spiffe://...`) is a SAN of that type; a bare name is a DNS name.
      const san = dnsNames.length > 0 ? ['-addext', `subjectAltName=${dnsNames.map((d) => (d.includes(':') ? d : `DNS:${d}`)).join(',')}`] : [];
      execFileSync('openssl', ['req', '-x509', ...key, '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', `/CN=${name}`, ...san], {
        stdio: 'ignore',
      });
      return { certFile, keyFile, cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
