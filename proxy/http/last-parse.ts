/** Texts longer than this are parsed each time rather than kept (a peer's usual head is a few hundred bytes). */
const KEPT_TEXT_MAX_CHARS = 4096;

/**
 * The last text a peer sent, parsed, for the next text that is the same: a server repeats its head answer after
 * answer, a client its header lines request after request, and comparing the text costs a fraction of parsing it
 * again. Each caller gets a copy of its own (`copy`), since the request path edits what it is given; a text the
 * parser refuses (null, or a throw) is never kept.
 */
export class LastParse<T> {
  private kept: { readonly text: string; readonly parsed: NonNullable<T> } | null = null;

  constructor(private readonly parseText: (text: string) => T, private readonly copy: (parsed: NonNullable<T>) => NonNullable<T>) {}

  /** parseText(text): the same result and the same errors. */
  parse(text: string): T {
    const kept = this.kept;
    if (kept !== null && text === kept.text) return this.copy(kept.parsed);
    const parsed = this.parseText(text);
    if (parsed !== null && parsed !== undefined && text.length <= KEPT_TEXT_MAX_CHARS) {
      this.kept = { text, parsed: this.copy(parsed) };
    }
    return parsed;
  }
}
