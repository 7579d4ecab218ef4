// digestAuth: `users` entries are `user:realm:md5(user:realm:password)`.
import { strictObject } from '../../schema/strict-object.js';
import { bool, listOf, str } from '../../schema/scalars.js';
import { headerValue } from '../../schema/header-value.js';

const user = str.refine((u) => u.split(':').length === 3, 'each user must be "user:realm:hash" (htdigest format)');

export const digestAuth = strictObject({
  users: listOf(user).default([]),
  usersFile: str.default(''),
  realm: headerValue.default('traefik'),
  headerField: str.default(''),
  removeHeader: bool.default(false),
});
