// compress: encodings limited to zstd/br/gzip; include and exclude lists are exclusive.
import { z } from 'zod';
import { strictObject } from '../../schema/strict-object.js';
import { int, listOf, str, strList } from '../../schema/scalars.js';

const encoding = z.enum(['zstd', 'br', 'gzip']);

export const compress = strictObject({
  excludedContentTypes: strList.default([]),
  includedContentTypes: strList.default([]),
  // Traefik: <= 0 means the default 1024.
  minResponseBodyBytes: int.default(1024).transform((n) => (n <= 0 ? 1024 : n)),
  encodings: listOf(encoding).default(['zstd', 'br', 'gzip']),
  defaultEncoding: str.default(''),
}).superRefine((v, ctx) => {
  if (v.excludedContentTypes.length > 0 && v.includedContentTypes.length > 0) {
    ctx.addIssue({ code: 'custom', path: ['includedContentTypes'], message: 'excludedContentTypes and includedContentTypes are mutually exclusive; keep one' });
  }
  if (v.encodings.length === 0) {
    ctx.addIssue({ code: 'custom', path: ['encodings'], message: 'encodings must not be empty; use some of zstd, br, gzip' });
  }
  if (v.defaultEncoding !== '' && !v.encodings.some((e) => e === v.defaultEncoding)) {
    ctx.addIssue({ code: 'custom', path: ['defaultEncoding'], message: `defaultEncoding "${v.defaultEncoding}" must be one of encodings (${v.encodings.join(', ')})` });
  }
});
