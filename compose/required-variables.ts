// Compose interpolates the whole file for every command, so a variable the file requires (`${ACME_EMAIL:?...}`)
// stops `down` and `ps` too, although neither uses it: a user in a new shell could not stop the stack. pe-edge
// gives those commands a placeholder for each required variable that is not set; `up` and `scale` still need
// the real values, which they pass to containers.

/** The variables a compose file requires: `${NAME:?message}` (set and non-empty) or `${NAME?message}` (set). */
export function requiredVariables(composeText: string): { name: string; nonEmpty: boolean }[] {
  const found = new Map<string, boolean>();
  // `$${` is an escaped `$`, not an interpolation.
  for (const m of composeText.matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(:?)\?/g)) {
    const name = m[1] as string;
    found.set(name, (found.get(name) ?? false) || m[2] === ':');
  }
  return [...found].map(([name, nonEmpty]) => ({ name, nonEmpty }));
}

/** The placeholder a command that reads no variable gets for a required one that is missing. */
export const UNUSED_VARIABLE_PLACEHOLDER = 'unused-by-this-command';

/** `env` with a placeholder for each required variable it lacks (empty counts as missing for `:?`). */
export function withPlaceholders(composeText: string, env: NodeJS.ProcessEnv): { env: NodeJS.ProcessEnv; filled: string[] } {
  const filled: string[] = [];
  const out: NodeJS.ProcessEnv = { ...env };
  for (const { name, nonEmpty } of requiredVariables(composeText)) {
    const value = env[name];
    if (value === undefined || (nonEmpty && value === '')) {
      out[name] = UNUSED_VARIABLE_PLACEHOLDER;
      filled.push(name);
    }
  }
  return { env: out, filled };
}
