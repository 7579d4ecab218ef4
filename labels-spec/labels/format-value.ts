// Label spellings of schema output values (shared by the encoder and LABELS.md).
import type { ScalarType } from './label-tree.js';

/** Milliseconds as a Go duration that parseDuration reads back exactly ("1m30s", "100ms"). */
export function formatDuration(ms: number): string {
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms === 0) return '0s';
  if (ms % 1000 !== 0) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  return `${h > 0 ? `${h}h` : ''}${m > 0 ? `${m}m` : ''}${s > 0 ? `${s}s` : ''}`;
}

export function formatScalar(type: ScalarType, value: unknown): string {
  if (type === 'duration' && typeof value === 'number') return formatDuration(value);
  return String(value);
}
