import type { TLSSocket } from 'node:tls';

/**
 * serversTransport `peerCertURI`, as Traefik's VerifyPeerCertificate: the server's certificate chain must verify
 * against the transport's roots (even under insecureSkipVerify; the host name is not what is checked) and carry
 * the URI among its SAN URIs. Null when the connection passes, else the error that refuses it.
 */
export function peerCertUriError(socket: TLSSocket, uri: string): Error | null {
  const chainError = socket.authorizationError as Error | string | null | undefined;
  const code = typeof chainError === 'string' ? chainError : (chainError as { code?: string } | null | undefined)?.code;
  if (!socket.authorized && chainError != null && code !== 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return new Error(`peer certificate mismatch: ${code ?? String(chainError)}`);
  }
  const cert = socket.getPeerX509Certificate();
  if (cert === undefined) return new Error('peer certificate mismatch: no peer certificate');
  if (!sanUris(cert.subjectAltName).includes(uri)) return new Error(`peer certificate mismatch: ${uri} not in cert URIs`);
  return null;
}

/** The URI entries of node's subjectAltName text (`DNS:a, URI:spiffe://x`, values with commas JSON-quoted). */
export function sanUris(subjectAltName: string | undefined): string[] {
  if (subjectAltName === undefined) return [];
  const out: string[] = [];
  for (const m of subjectAltName.matchAll(/(?:^|, )URI:("(?:[^"\\]|\\.)*"|[^,]*)/g)) {
    const raw = m[1] as string;
    out.push(raw.startsWith('"') ? (JSON.parse(raw) as string) : raw);
  }
  return out;
}
