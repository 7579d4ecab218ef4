// api and ping: present (even empty) means enabled, with these defaults.
import { z } from 'zod';
import { strictObject } from '../schema/strict-object.js';
import { bool, int, str } from '../schema/scalars.js';

export const apiSchema = strictObject({
  insecure: bool.default(false),
  dashboard: bool.default(true),
  debug: bool.default(false),
  disableDashboardAd: bool.default(false),
});

export const pingSchema = strictObject({
  entryPoint: str.default('traefik'),
  manualRouting: bool.default(false),
  terminatingStatusCode: int.default(503),
});

export type ApiConfig = z.output<typeof apiSchema>;
export type PingConfig = z.output<typeof pingSchema>;
