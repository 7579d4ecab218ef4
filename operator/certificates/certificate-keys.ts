// Private keys for ACME accounts and certificates, made off the event loop (node:crypto's thread pool).
import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';

const generate = promisify(generateKeyPair);

/**
 * A new key of a Traefik `keyType` (EC256, EC384, RSA2048, RSA4096, RSA8192; anything else RSA4096, as Traefik),
 * as PEM in the encodings lego writes: PKCS#1 for RSA, SEC1 for EC.
 */
export async function generateCertificateKey(keyType: string): Promise<string> {
  switch (keyType.toUpperCase()) {
    case 'EC256':
      return ecKey('prime256v1');
    case 'EC384':
      return ecKey('secp384r1');
    case 'RSA2048':
      return rsaKey(2048);
    case 'RSA8192':
      return rsaKey(8192);
    default:
      return rsaKey(4096);
  }
}

async function ecKey(namedCurve: string): Promise<string> {
  const { privateKey } = await generate('ec', { namedCurve, privateKeyEncoding: { type: 'sec1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  return privateKey;
}

async function rsaKey(modulusLength: number): Promise<string> {
  const { privateKey } = await generate('rsa', { modulusLength, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  return privateKey;
}
