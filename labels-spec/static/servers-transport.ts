// Static serversTransport: becomes `default@internal`; note maxIdleConnsPerHost 200 here.
import { z } from 'zod';
import { strictObject } from '../schema/strict-object.js';
import { bool, int, strList } from '../schema/scalars.js';
import { duration } from '../duration.js';
import { spiffe } from '../dynamic/servers-transports.js';

export const staticServersTransportSchema = strictObject({
  insecureSkipVerify: bool.default(false),
  rootCAs: strList.default([]),
  maxIdleConnsPerHost: int.default(200),
  // pe-edge's own (Go's Transport.MaxConnsPerHost; Traefik has no such key): 0 = no limit, as Traefik.
  maxConnsPerHost: int.default(0),
  forwardingTimeouts: strictObject({
    dialTimeout: duration.default('30s'),
    responseHeaderTimeout: duration.default(0),
    idleConnTimeout: duration.default('90s'),
  }).default({}),
  spiffe: spiffe.optional(),
});

export type StaticServersTransport = z.output<typeof staticServersTransportSchema>;
