// metrics: Prometheus is modelled; other backends are accepted as-is.
import { z } from 'zod';
import { looseObject, strictObject } from '../schema/strict-object.js';
import { bool, listOf, num, str, strMap } from '../schema/scalars.js';

export const prometheusSchema = strictObject({
  buckets: listOf(num).default([0.1, 0.3, 1.2, 5]),
  addEntryPointsLabels: bool.default(true),
  addRoutersLabels: bool.default(false),
  addServicesLabels: bool.default(true),
  entryPoint: str.default('traefik'),
  manualRouting: bool.default(false),
  headerLabels: strMap.default({}),
  // pe-edge's own key (Traefik has none): also export traefik_backend_requests_total and
  // traefik_backend_request_duration_seconds, Traefik v1's names of the service series.
  compatibilityNames: bool.default(true),
});

export const metricsSchema = strictObject({
  addInternals: bool.default(false),
  prometheus: prometheusSchema.optional(),
  datadog: looseObject.optional(),
  statsD: looseObject.optional(),
  influxDB2: looseObject.optional(),
  otlp: looseObject.optional(),
});

export type PrometheusConfig = z.output<typeof prometheusSchema>;
export type MetricsConfig = z.output<typeof metricsSchema>;
