// api and ping: present (even empty) means enabled, with these defaults.
import { z } from 'zod';
import { strictObject } from '../schema/strict-object.js';
import { bool, int, str } from '../schema/scalars.js';

export const apiSchema = strictObject({
  insecure: bool.default(false),
  dashboard: bool.default(true),
  debug: bool.default(false),
  disableDashboardAd: bool.default(false),
  // v3.7: the API and dashboard under a path prefix, and the dashboard's title (warned as not implemented when set).
  basePath: str.optional(),
  dashboardName: str.optional(),
});

export const pingSchema = strictObject({
  entryPoint: str.default('traefik'),
  manualRouting: bool.default(false),
  terminatingStatusCode: int.default(503),
});

export type ApiConfig = z.output<typeof apiSchema>;
export type PingConfig = z.output<typeof pingSchema>;
