import { validateStaticConfig, type ConfigIssue, type StaticConfig } from '../../labels-spec/index.js';
import { lineOf, readConfigFile, type ConfigFileContent } from '../config-files/read-config-file.js';
import { findConfigFile } from './find-config-file.js';
import { mergeFlags, parseFlags } from './flags.js';
import { envNameFor, parseEnvConfig, traefikEnvNames } from './env-config.js';
import { isPlainObject } from '../../labels-spec/schema/strict-object.js';

export interface LoadedStaticConfig {
  config: StaticConfig;
  /** The file read, undefined when the configuration came from flags alone. */
  file: string | undefined;
  /** Errors stop pe-edge from starting; warnings name what is not implemented yet. Each message says where. */
  errors: string[];
  warnings: string[];
}

/**
 * traefik.yml (from --configFile or Traefik's search path) with Traefik-style flags layered on top, or, when there
 * is neither, Traefik's `TRAEFIK_*` environment variables; validated with labels-spec. Issues are reported as
 * `traefik.yml:12: entryPoints.web.adress: ...`.
 */
export async function loadStaticConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<LoadedStaticConfig> {
  const flags = parseFlags(argv);
  const errors = flags.errors.map((e) => `command line: ${e}`);
  const warnings: string[] = [];
  const file = flags.configFile ?? (await findConfigFile());
  const envNames = traefikEnvNames(env);
  const fromEnvironment = envNames.length > 0 && file === undefined && Object.keys(flags.values).length === 0;
  if (envNames.length > 0 && !fromEnvironment) {
    // Traefik reads one source, the first it finds (file, flags, environment): say so rather than ignore silently.
    warnings.push(`environment: ${envNames.join(', ')} ignored: the static configuration comes from ${file ?? 'the command line'} (as in Traefik, TRAEFIK_* variables apply only without a configuration file and without flags)`);
  } else if (fromEnvironment) {
    const fromEnv = parseEnvConfig(env);
    errors.push(...fromEnv.errors.map((e) => `environment: ${e}`));
    flags.values = fromEnv.values;
  }
  let content: ConfigFileContent | undefined;
  if (file !== undefined) {
    try {
      content = await readConfigFile(file);
    } catch (err) {
      errors.push(err instanceof Error ? err.message : String(err));
    }
  }
  const fileValue = content !== undefined && isPlainObject(content.value) ? content.value : {};
  const { config, issues } = validateStaticConfig(mergeFlags(fileValue, flags.values));
  for (const issue of issues) {
    const where = content !== undefined && file !== undefined ? locate(file, content, issue) : fromEnvironment ? `environment variable ${envNameFor(issue.path, envNames) ?? 'TRAEFIK_*'}` : 'static configuration';
    (issue.severity === 'error' ? errors : warnings).push(`${where}: ${issue.message}`);
  }
  return { config, file, errors, warnings };
}

function locate(file: string, content: ConfigFileContent, issue: ConfigIssue): string {
  // An unknown key's line is the key itself; a bad value's line is its parent key's if the leaf is missing.
  for (let n = issue.path.length; n > 0; n--) {
    const line = lineOf(content, issue.path.slice(0, n));
    if (line !== undefined) return `${file}:${line}`;
  }
  return file;
}

