// providers.file: a file or a directory (directory wins when both are set).
import { z } from 'zod';
import { strictObject } from '../schema/strict-object.js';
import { bool, str } from '../schema/scalars.js';

export const fileProviderSchema = strictObject({
  filename: str.default(''),
  directory: str.default(''),
  watch: bool.default(true),
  debugLogGeneratedTemplate: bool.default(false),
}).superRefine((v, ctx) => {
  if (v.filename === '' && v.directory === '') {
    ctx.addIssue({ code: 'custom', message: 'providers.file needs "filename" or "directory"' });
  }
});

export type FileProviderConfig = z.output<typeof fileProviderSchema>;
