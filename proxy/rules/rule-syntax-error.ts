/**
 * Every way a rule can be rejected (bad token, unknown matcher, bad argument) is this one error,
 * so the router status shows a single message that points at the offending column.
 */
export class RuleSyntaxError extends Error {
  override readonly name = 'RuleSyntaxError';
  /** 1-based column of the offending character in the rule string. */
  readonly column: number;
  /** The message without the `column N: ` prefix. */
  readonly reason: string;

  constructor(column: number, reason: string) {
    super(`column ${column}: ${reason}`);
    this.column = column;
    this.reason = reason;
  }
}
