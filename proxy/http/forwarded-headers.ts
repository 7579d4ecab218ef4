/**
 * The X-Forwarded-* family Traefik manages itself (its forwardedheaders xHeaders), lower-case: an untrusted
 * peer's values are dropped, and a client's Connection header cannot remove them.
 */
export const FORWARDED_HEADERS: ReadonlySet<string> = new Set([
  'x-forwarded-proto', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-port', 'x-forwarded-server',
  'x-forwarded-uri', 'x-forwarded-method', 'x-forwarded-prefix', 'x-forwarded-tls-client-cert',
  'x-forwarded-tls-client-cert-info', 'x-real-ip',
]);
