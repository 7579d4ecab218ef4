import { validateStaticConfig, type ConfigIssue, type StaticConfig } from '../../labels-spec/index.js';
import { lineOf, readConfigFile, type ConfigFileContent } from '../config-files/read-config-file.js';
import { findConfigFile } from './find-config-file.js';
import { mergeFlags, parseFlags } from './flags.js';
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
 * traefik.yml (from --configFile or Traefik's search path) with Traefik-style flags layered on top,
 * validated with labels-spec. Issues are reported as `traefik.yml:12: entryPoints.web.adress: ...`.
 */
export async function loadStaticConfig(argv: readonly string[]): Promise<LoadedStaticConfig> {
  const flags = parseFlags(argv);
  const errors = flags.errors.map((e) => `command line: ${e}`);
  const file = flags.configFile ?? (await findConfigFile());
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
  const warnings: string[] = [];
  for (const issue of issues) {
    const where = content !== undefined && file !== undefined ? locate(file, content, issue) : 'static configuration';
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

