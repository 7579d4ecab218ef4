// Router (and entrypoint default) TLS: presence, even `{}`, makes the router HTTPS-only.
import { z } from 'zod';
import { strictObject } from '../schema/strict-object.js';
import { listOf, nonEmptyStr, str, strList } from '../schema/scalars.js';

export const tlsDomain = strictObject({
  main: nonEmptyStr,
  sans: strList.optional(),
});

export const routerTls = strictObject({
  options: str.optional(),
  certResolver: str.optional(),
  domains: listOf(tlsDomain).optional(),
});

export type TlsDomain = z.output<typeof tlsDomain>;
export type RouterTls = z.output<typeof routerTls>;
