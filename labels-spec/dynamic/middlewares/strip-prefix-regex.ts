// stripPrefixRegex: Go regexps tried in order; compiled by the proxy.
import { strictObject } from '../../schema/strict-object.js';
import { strList } from '../../schema/scalars.js';
import { trimSpace } from '../../schema/go-trim-space.js';

export const stripPrefixRegex = strictObject({
  regex: strList.transform((list) => list.map(trimSpace)).default([]),
});
