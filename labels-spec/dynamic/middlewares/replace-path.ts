// replacePath: sets the path; the original goes to X-Replaced-Path.
import { strictObject } from '../../schema/strict-object.js';
import { str } from '../../schema/scalars.js';

export const replacePath = strictObject({
  path: str,
});
