// HTTP status codes and ranges as Traefik's HTTPCodeRanges reads them: "500" or "500-599".
import { str } from './scalars.js';
import { trimSpace } from './go-trim-space.js';

export const STATUS_RANGE = /^\d{3}(-\d{3})?$/;
export const STATUS_RANGE_MESSAGE = 'status must be a code ("500") or an inclusive range ("500-599")';

/** One status code or inclusive range, checked before a deploy rather than when the service is built. */
export const statusRange = str.refine((s) => STATUS_RANGE.test(trimSpace(s)), STATUS_RANGE_MESSAGE);
