// accessLog: filters are ORed; no filter means log everything.
import { z } from 'zod';
import { looseObject, namedMap, strictObject } from '../schema/strict-object.js';
import { bool, enumIgnoringCase, int, str, strList } from '../schema/scalars.js';
import { duration } from '../duration.js';

const keepDrop = enumIgnoringCase(['keep', 'drop']);
const keepDropRedact = enumIgnoringCase(['keep', 'drop', 'redact']);

export const accessLogSchema = strictObject({
  filePath: str.default(''),
  format: enumIgnoringCase(['common', 'genericCLF', 'json']).default('common'),
  // Lines held in memory and written together (Traefik's channel size); 0 writes each at once. Go panics below 0.
  bufferingSize: int.refine((n) => n >= 0, 'bufferingSize must be 0 or more').default(0),
  addInternals: bool.default(false),
  filters: strictObject({
    statusCodes: strList.default([]),
    retryAttempts: bool.default(false),
    minDuration: duration.default(0),
  }).optional(),
  fields: strictObject({
    defaultMode: keepDrop.default('keep'),
    names: namedMap(keepDrop).default({}),
    headers: strictObject({
      defaultMode: keepDropRedact.default('drop'),
      names: namedMap(keepDropRedact).default({}),
    }).optional(),
    // v3.7: `drop` logs RequestPath without its query.
    queryParameters: strictObject({ defaultMode: keepDrop.default('keep') }).optional(),
  }).optional(),
  // v3.5+: access logs over OpenTelemetry, and whether the file/stdout output stays on beside it (warned when set).
  otlp: looseObject.optional(),
  dualOutput: bool.optional(),
});

export type AccessLogConfig = z.output<typeof accessLogSchema>;
