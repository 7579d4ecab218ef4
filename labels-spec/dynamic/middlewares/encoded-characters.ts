// encodedCharacters (Traefik v3.7): a path holding an escape not allowed here gets 400. As a middleware every
// option defaults to false (refused); the entrypoint option of the same name defaults to true.
import { z } from 'zod';
import { strictObject } from '../../schema/strict-object.js';
import { bool } from '../../schema/scalars.js';

export const encodedCharacters = strictObject({
  allowEncodedSlash: bool.default(false),
  allowEncodedBackSlash: bool.default(false),
  allowEncodedNullCharacter: bool.default(false),
  allowEncodedSemicolon: bool.default(false),
  allowEncodedPercent: bool.default(false),
  allowEncodedQuestionMark: bool.default(false),
  allowEncodedHash: bool.default(false),
});

export type EncodedCharactersMiddlewareOptions = z.output<typeof encodedCharacters>;
