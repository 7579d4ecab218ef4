import { closest } from '../../labels-spec/index.js';

/**
 * The existing name a missing reference most likely meant: the same name from another provider (`to-https` from a
 * Docker label means `to-https@docker`, but the file defines `to-https@file`), else the closest spelling.
 */
export function suggestName(missing: string, existing: readonly string[]): string | undefined {
  const bare = (name: string): string => (name.includes('@') ? name.slice(0, name.lastIndexOf('@')) : name);
  const sameName = existing.filter((name) => bare(name) === bare(missing));
  if (sameName.length === 1) return sameName[0];
  const spelled = closest(missing, existing);
  if (spelled !== undefined) return spelled;
  // A typo and another provider at once: compare the names without their providers.
  const near = closest(bare(missing), existing.map(bare));
  return near === undefined ? undefined : existing.find((name) => bare(name) === near);
}

/** `; did you mean "x@file"?` or nothing, to end an error message. */
export function didYouMean(missing: string, existing: readonly string[]): string {
  const suggestion = suggestName(missing, existing);
  return suggestion === undefined ? '' : `; did you mean "${suggestion}"?`;
}
