// Sticky sessions by cookie; `path` (v3.3) and `domain` (v3.4) are later Traefik options.
import { z } from 'zod';
import { strictObject } from '../../schema/strict-object.js';
import { bool, int, str } from '../../schema/scalars.js';

export const stickyCookie = strictObject({
  // Empty: derived from the qualified service name by the proxy, as Traefik does.
  name: str.optional(),
  secure: bool.default(false),
  httpOnly: bool.default(false),
  // Traefik accepts lower-case values only; anything else omits the attribute.
  sameSite: str.default(''),
  maxAge: int.default(0),
  path: str.default('/'),
  domain: str.optional(),
});

export const sticky = strictObject({
  cookie: stickyCookie.optional(),
});

export type Sticky = z.output<typeof sticky>;
export type StickyCookie = z.output<typeof stickyCookie>;
