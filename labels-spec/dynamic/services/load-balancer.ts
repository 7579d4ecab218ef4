// loadBalancer: servers with weights, Host passing, flushing, health, stickiness, strategy.
import { z } from 'zod';
import { strictObject } from '../../schema/strict-object.js';
import { bool, int, listOf, str } from '../../schema/scalars.js';
import { duration } from '../../duration.js';
import { healthCheck, passiveHealthCheck } from './health-check.js';
import { sticky } from './sticky.js';

/** loadBalancer.strategy's values: v3.2's wrr (the default), v3.4 p2c, v3.6 hrw and leasttime. */
export const LOAD_BALANCER_STRATEGIES = ['wrr', 'p2c', 'hrw', 'leasttime'] as const;

const SCHEMES = new Set(['http:', 'https:', 'h2c:']);

const serverUrl = str.superRefine((u, ctx) => {
  if (!URL.canParse(u)) {
    ctx.addIssue({ code: 'custom', message: `invalid server URL "${u}"; use scheme://host:port such as http://app:3000` });
  } else if (!SCHEMES.has(new URL(u).protocol)) {
    ctx.addIssue({ code: 'custom', message: `unsupported scheme in "${u}"; use http, https or h2c` });
  }
});

export const server = strictObject({
  url: serverUrl,
  // <= 0: the server is never selected.
  weight: int.default(1),
  preservePath: bool.default(false),
});

export const loadBalancer = strictObject({
  servers: listOf(server).default([]),
  passHostHeader: bool.default(true),
  serversTransport: str.optional(),
  responseForwarding: strictObject({
    flushInterval: duration.default('100ms'),
  }).default({}),
  healthCheck: healthCheck.optional(),
  passiveHealthCheck: passiveHealthCheck.optional(),
  sticky: sticky.optional(),
  // v3.4 (p2c), v3.6 (hrw, leasttime); v3.2 behaviour (wrr) is the default.
  strategy: z.enum(LOAD_BALANCER_STRATEGIES).default('wrr'),
});

export type Server = z.output<typeof server>;
export type LoadBalancer = z.output<typeof loadBalancer>;
