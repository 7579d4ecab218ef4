// Dynamic http.serversTransports.<name>: how pe-edge talks to backends.
import { z } from 'zod';
import { strictObject } from '../schema/strict-object.js';
import { bool, int, listOf, str, strList } from '../schema/scalars.js';
import { duration } from '../duration.js';
import { CIPHER_SUITES, named, TLS_VERSIONS } from './tls-options.js';

export const spiffe = strictObject({
  ids: strList.optional(),
  trustDomain: str.optional(),
});

export const serversTransportSchema = strictObject({
  serverName: str.optional(),
  insecureSkipVerify: bool.default(false),
  rootCAs: strList.default([]),
  certificates: listOf(strictObject({ certFile: str, keyFile: str })).default([]),
  // 0: Go's default of 2 idle connections per host (the static transport defaults to 200).
  maxIdleConnsPerHost: int.default(0),
  // pe-edge's own (Go's Transport.MaxConnsPerHost; Traefik has no such key): 0 = no limit, as Traefik.
  maxConnsPerHost: int.default(0),
  forwardingTimeouts: strictObject({
    dialTimeout: duration.default('30s'),
    responseHeaderTimeout: duration.default(0),
    idleConnTimeout: duration.default('90s'),
    readIdleTimeout: duration.default(0),
    pingTimeout: duration.default('15s'),
  }).default({}),
  disableHTTP2: bool.default(false),
  // v3.7: TLS versions and cipher suites offered to https:// servers, by Traefik's (Go's) names. Unset: Go's defaults.
  cipherSuites: listOf(named('CipherSuite', CIPHER_SUITES)).optional(),
  minVersion: named('TLS minimum version', TLS_VERSIONS).optional(),
  maxVersion: named('TLS maximum version', TLS_VERSIONS).optional(),
  peerCertURI: str.optional(),
  spiffe: spiffe.optional(),
}).superRefine((v, ctx) => {
  // Traefik compares the versions even when maxVersion is unset (0), refusing every minVersion alone; pe-edge
  // compares only two set versions, so minVersion alone means what its documentation says.
  if (v.minVersion !== undefined && v.maxVersion !== undefined && TLS_VERSIONS.indexOf(v.minVersion) > TLS_VERSIONS.indexOf(v.maxVersion)) {
    ctx.addIssue({ code: 'custom', path: ['minVersion'], message: `TLS minimum version ${v.minVersion} is above the maximum version ${v.maxVersion}` });
  }
});

export type ServersTransport = z.output<typeof serversTransportSchema>;
