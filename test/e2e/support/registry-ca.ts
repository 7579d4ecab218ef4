// The root CA this machine's trust store ends the npm registry's certificate chain with. Behind a
// TLS-intercepting proxy that is the proxy's CA, which a build container does not have; without one it is a
// public root that node already trusts, so passing it to a build is harmless either way.
import tls from 'node:tls';

export const NPM_REGISTRY_HOST = 'registry.npmjs.org';

/** PEM of the chain's last certificate (self-signed, from the trust store); rejects when the registry is unreachable. */
export function registryRootCa(host = NPM_REGISTRY_HOST, timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host, port: 443, servername: host, timeout: timeoutMs }, () => {
      let cert = socket.getPeerCertificate(true);
      // node links the trust store's issuer in; the root is its own issuer.
      for (let hops = 0; hops < 10 && cert.issuerCertificate !== undefined && cert.issuerCertificate !== cert; hops++) {
        cert = cert.issuerCertificate;
      }
      socket.end();
      const body = cert.raw.toString('base64').replace(/.{1,64}/g, '$&\n');
      resolve(`-----BEGIN CERTIFICATE-----\n${body}-----END CERTIFICATE-----\n`);
    });
    socket.once('timeout', () => socket.destroy(new Error(`${host}:443: no TLS handshake within ${timeoutMs} ms`)));
    socket.once('error', (err) => reject(new Error(`${host}:443: ${err.message}`)));
  });
}
