// Traefik's third source of static configuration (pkg/cli EnvLoader, paerser env): `TRAEFIK_*` variables, the
// path after the prefix split on `_` and lower-cased (`TRAEFIK_ENTRYPOINTS_WEB_ADDRESS=:80` is
// `--entrypoints.web.address=:80`). They are read the way flags are, so keys match case-insensitively as there.
import { parseFlags, type ParsedFlags } from './flags.js';

const PREFIX = 'TRAEFIK_';

/** The `TRAEFIK_*` variable names set in `env`, sorted. */
export function traefikEnvNames(env: NodeJS.ProcessEnv): string[] {
  return Object.keys(env).filter((name) => name.toUpperCase().startsWith(PREFIX) && name.length > PREFIX.length && env[name] !== undefined).sort();
}

/** The configuration the `TRAEFIK_*` variables give, with errors naming the variable. */
export function parseEnvConfig(env: NodeJS.ProcessEnv): ParsedFlags {
  const names = traefikEnvNames(env);
  const flagOf = new Map<string, string>();
  const argv: string[] = [];
  for (const name of names) {
    const flag = `--${name.slice(PREFIX.length).toLowerCase().replaceAll('_', '.')}=${env[name] ?? ''}`;
    flagOf.set(flag, name);
    argv.push(flag);
  }
  const parsed = parseFlags(argv);
  // Error texts quote the flag; the user wrote a variable.
  const errors = parsed.errors.map((e) => {
    for (const [flag, name] of flagOf) if (e.includes(flag)) return e.replace(flag, `${name}=${env[name] ?? ''}`);
    return e;
  });
  return { values: parsed.values, errors };
}

/** The variable an issue at `path` comes from: the one whose path shares the most segments with it (case aside). */
export function envNameFor(path: readonly (string | number)[], names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestShared = 0;
  for (const name of names) {
    const segments = name.slice(PREFIX.length).toLowerCase().split('_');
    let shared = 0;
    while (shared < segments.length && shared < path.length && segments[shared] === String(path[shared]).toLowerCase()) shared++;
    if (shared > bestShared) {
      best = name;
      bestShared = shared;
    }
  }
  return best;
}
