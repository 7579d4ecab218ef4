// tcp.serversTransports.<name> (and the static tcpServersTransport): how pe-edge dials TCP servers.
import { z } from 'zod';
import { strictObject } from '../../schema/strict-object.js';
import { bool, listOf, str, strList } from '../../schema/scalars.js';
import { duration } from '../../duration.js';
import { spiffe } from '../servers-transports.js';
import { proxyProtocol } from './services.js';

export const tcpServersTransportSchema = strictObject({
  dialTimeout: duration.default('30s'),
  // Negative disables keep-alive probes; 0 means Go's default of 15s.
  dialKeepAlive: duration.default('15s'),
  proxyProtocol: proxyProtocol.optional(),
  // After one side closes its writing half, how long the other direction may still flow.
  terminationDelay: duration.default('100ms'),
  tls: strictObject({
    serverName: str.optional(),
    insecureSkipVerify: bool.default(false),
    rootCAs: strList.default([]),
    certificates: listOf(strictObject({ certFile: str, keyFile: str })).default([]),
    peerCertURI: str.optional(),
    spiffe: spiffe.optional(),
  }).optional(),
});

export type TcpServersTransport = z.output<typeof tcpServersTransportSchema>;
