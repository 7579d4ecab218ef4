import { trimSpace } from '../../labels-spec/schema/go-trim-space.js';

/** Inclusive [low, high] status ranges (Traefik's HTTPCodeRanges). */
export type StatusRanges = readonly (readonly [number, number])[];

/**
 * "500" or "500-599" each (blanks around a number allowed); `option` names the key in the error (`errors.status`,
 * `failover.errors.status`, `accessLog.filters.statusCodes`).
 */
export function parseStatusRanges(blocks: readonly string[], option: string): StatusRanges {
  return blocks.map((block) => {
    const parts = block.split('-').map(trimSpace);
    const low = Number(parts[0]);
    const high = parts.length === 1 ? low : Number(parts[1]);
    if (parts.length > 2 || !Number.isInteger(low) || !Number.isInteger(high) || parts.some((p) => !/^\d+$/.test(p))) {
      throw new Error(`${option}: "${block}" is not a status code ("500") or a range ("500-599")`);
    }
    return [low, high] as const;
  });
}

export function inStatusRanges(ranges: StatusRanges, status: number): boolean {
  for (const [low, high] of ranges) if (status >= low && status <= high) return true;
  return false;
}
