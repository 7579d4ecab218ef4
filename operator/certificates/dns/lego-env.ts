// Reading a DNS provider's settings the way lego does: `NAME` or, when empty, the file named by
// `NAME_FILE`; durations are whole seconds; a bad or negative number means the default.
import { readFileSync } from 'node:fs';
import { timerMs } from '../../../proxy/timer-bounds.js';

export function envValue(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name] ?? '';
  if (value !== '') return value;
  const file = env[`${name}_FILE`] ?? '';
  if (file === '') return '';
  try {
    return readFileSync(file, 'utf8').replace(/\n$/, '');
  } catch {
    return '';
  }
}

/** The first non-empty of `names`, or ''. */
export function envFirst(env: NodeJS.ProcessEnv, names: readonly string[]): string {
  for (const name of names) {
    const value = envValue(env, name);
    if (value !== '') return value;
  }
  return '';
}

/** lego's message when variables are missing, e.g. `some credentials information are missing: EXEC_PATH`. */
export function missingMessage(names: readonly string[]): string {
  return `some credentials information are missing: ${names.join(',')}`;
}

/** The values of `names`; throws `<provider>: some credentials information are missing: A,B` naming every empty one. */
export function requireEnv(env: NodeJS.ProcessEnv, provider: string, names: readonly string[]): string[] {
  const values = names.map((name) => envValue(env, name));
  const missing = names.filter((_, i) => values[i] === '');
  if (missing.length > 0) throw new Error(`${provider}: ${missingMessage(missing)}`);
  return values;
}

/** `name` in whole seconds (lego's `GetOrDefaultSecond`), as milliseconds. */
export function envSecondsMs(env: NodeJS.ProcessEnv, name: string, defaultSeconds: number): number {
  const seconds = envInt(env, name, defaultSeconds);
  // Each is a timer's delay (an HTTP timeout, a polling interval): node runs one past 24.8 days after 1 ms.
  return timerMs((seconds >= 0 ? seconds : defaultSeconds) * 1000);
}

/** An integer setting (Go's `strconv.Atoi`); unparsable means the default. */
export function envInt(env: NodeJS.ProcessEnv, name: string, defaultValue: number): number {
  const raw = envValue(env, name);
  if (!/^[+-]?\d+$/.test(raw)) return defaultValue;
  const value = Number(raw);
  return Number.isSafeInteger(value) ? value : defaultValue;
}

/** lego's `dns01.DefaultPropagationTimeout` and `DefaultPollingInterval`, in seconds. */
export const DEFAULT_PROPAGATION_TIMEOUT_S = 60;
export const DEFAULT_POLLING_INTERVAL_S = 2;
