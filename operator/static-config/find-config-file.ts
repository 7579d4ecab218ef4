// Traefik's static-file discovery when --configFile is absent (pkg/cli/loader_file.go).
import { stat } from 'node:fs/promises';
import { join } from 'node:path';

const EXTENSIONS = ['toml', 'yaml', 'yml'] as const;

export interface SearchEnv {
  XDG_CONFIG_HOME?: string;
  HOME?: string;
}

/**
 * The directories searched, in order. Traefik expands an unset `$XDG_CONFIG_HOME` to '' and
 * ends up probing `/traefik.toml`; we skip unset variables instead.
 */
export function configSearchDirs(env: SearchEnv = process.env, cwd: string = process.cwd()): string[] {
  const dirs = ['/etc/traefik'];
  if (env.XDG_CONFIG_HOME) dirs.push(env.XDG_CONFIG_HOME);
  if (env.HOME) dirs.push(join(env.HOME, '.config'));
  dirs.push(cwd);
  return dirs;
}

/** First existing regular file `<dir>/traefik.<ext>`, dirs in order, ext order toml, yaml, yml. */
export async function findConfigFile(dirs: readonly string[] = configSearchDirs()): Promise<string | undefined> {
  for (const dir of dirs) {
    for (const ext of EXTENSIONS) {
      const candidate = join(dir, `traefik.${ext}`);
      try {
        if ((await stat(candidate)).isFile()) return candidate;
      } catch {
        // absent or unreadable: try the next candidate, as Traefik does
      }
    }
  }
  return undefined;
}
