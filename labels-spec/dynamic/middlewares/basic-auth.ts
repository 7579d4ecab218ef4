// basicAuth: `users` entries are `name:hash`, realm defaults to "traefik".
import { z } from 'zod';
import { strictObject } from '../../schema/strict-object.js';
import { bool, listOf, str } from '../../schema/scalars.js';
import { headerValue } from '../../schema/header-value.js';

const user = str.refine((u) => u.split(':').length === 2, 'each user must be "name:hash" (htpasswd format)');

export const basicAuth = strictObject({
  users: listOf(user).default([]),
  usersFile: str.default(''),
  realm: headerValue.default('traefik'),
  headerField: str.default(''),
  removeHeader: bool.default(false),
});

export type BasicAuthOptions = z.output<typeof basicAuth>;
