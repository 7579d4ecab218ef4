// Static tcpServersTransport: Traefik's default TCP transport (`default@internal`), used by every TCP service that
// names no serversTransport. Its keys are Traefik's static ones (no proxyProtocol, fewer tls keys than the dynamic one).
import { z } from 'zod';
import { strictObject } from '../schema/strict-object.js';
import { bool, strList } from '../schema/scalars.js';
import { duration } from '../duration.js';
import { spiffe } from '../dynamic/servers-transports.js';

export const staticTcpServersTransportSchema = strictObject({
  dialTimeout: duration.default('30s'),
  // Negative disables keep-alive probes; 0 means Go's default of 15s.
  dialKeepAlive: duration.default('15s'),
  // Traefik's internal provider does not copy this one into default@internal; typed so a Traefik file loads unchanged.
  terminationDelay: duration.default('100ms'),
  tls: strictObject({
    insecureSkipVerify: bool.default(false),
    rootCAs: strList.default([]),
    spiffe: spiffe.optional(),
  }).optional(),
});

export type StaticTcpServersTransport = z.output<typeof staticTcpServersTransportSchema>;
