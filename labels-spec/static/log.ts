// log: Traefik's own log (always present, level ERROR by default).
import { z } from 'zod';
import { looseObject, strictObject } from '../schema/strict-object.js';
import { bool, enumIgnoringCase, int, str } from '../schema/scalars.js';

export const logSchema = strictObject({
  level: enumIgnoringCase(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL', 'PANIC']).default('ERROR'),
  format: enumIgnoringCase(['common', 'json']).default('common'),
  noColor: bool.default(false),
  // Empty: stdout.
  filePath: str.default(''),
  maxSize: int.optional(),
  maxAge: int.optional(),
  maxBackups: int.optional(),
  compress: bool.default(false),
  // v3.5+: logs sent over OpenTelemetry (warned as not implemented when set).
  otlp: looseObject.optional(),
});

export type LogConfig = z.output<typeof logSchema>;
