import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { generateSelfSignedCertificate, integer } from '../../../proxy/tls/self-signed-certificate.js';

// A serial starting with 0x00 0x0X once made 1 generated certificate in 128 invalid ("illegal padding").
test('DER INTEGERs are minimal and positive', () => {
  const cases: [number[], number[]][] = [
    [[0x00, 0x05, 0x01], [0x02, 0x02, 0x05, 0x01]],
    [[0x00, 0x00, 0x85], [0x02, 0x02, 0x00, 0x85]],
    [[0x85, 0x01], [0x02, 0x03, 0x00, 0x85, 0x01]],
    [[0x7f], [0x02, 0x01, 0x7f]],
    [[0x00], [0x02, 0x01, 0x00]],
    [[0x02], [0x02, 0x01, 0x02]],
  ];
  for (const [input, expected] of cases) assert.deepEqual([...integer(Buffer.from(input))], expected, `${input}`);
});

test('generated certificates parse, name the host and are self-signed', () => {
  for (let i = 0; i < 3; i++) {
    const { cert } = generateSelfSignedCertificate({ commonName: 'TRAEFIK DEFAULT CERT', dnsNames: ['a.test'], notBefore: new Date(), notAfter: new Date(Date.now() + 86_400_000) });
    const x509 = new X509Certificate(cert);
    assert.match(x509.subject, /CN=TRAEFIK DEFAULT CERT/);
    assert.match(x509.subjectAltName ?? '', /DNS:a\.test/);
    assert.ok(x509.verify(x509.publicKey));
  }
});
