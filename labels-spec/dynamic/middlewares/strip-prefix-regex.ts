// stripPrefixRegex: Go regexps tried in order; compiled by the proxy.
import { strictObject } from '../../schema/strict-object.js';
import { strList } from '../../schema/scalars.js';

export const stripPrefixRegex = strictObject({
  regex: strList.transform((list) => list.map((r) => r.trim())).default([]),
});
