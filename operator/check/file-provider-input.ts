import { existsSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { validateDynamicConfig, type DynamicConfig, type StaticConfig } from '../../labels-spec/index.js';
import { startFileProvider, type FileSnapshot } from '../providers/file-provider.js';
import type { BindMount } from './compose-mounts.js';
import type { KeyPath } from '../config-files/read-config-file.js';

export interface FileProviderInput {
  fragment?: DynamicConfig;
  errors: string[];
  warnings: string[];
  /** `file:line` of a configuration key, to name where a problem was written. */
  locate?: (path: KeyPath) => string | undefined;
}

/**
 * The file provider's files (`filename` or `directory`) read and validated as the running edge does, from where the
 * check runs: a path inside the container is looked for through the compose file's bind mounts, then next to traefik.yml.
 */
export async function readFileProviderInput(file: NonNullable<StaticConfig['providers']['file']>, configFile: string | undefined, mounts: readonly BindMount[]): Promise<FileProviderInput> {
  const out: FileProviderInput = { errors: [], warnings: [] };
  const useDirectory = file.directory !== '';
  const option = useDirectory ? 'providers.file.directory' : 'providers.file.filename';
  const configured = useDirectory ? file.directory : file.filename;
  const path = hostPath(configured, configFile, mounts);
  if (path === undefined) {
    if (!isAbsolute(configured)) {
      out.errors.push(`${option} "${configured}": not found (relative to ${configFile !== undefined ? dirname(resolve(configFile)) : 'the current folder'})`);
      return out;
    }
    // Most often the path of a mount inside the pe-edge container: not the stack's fault, but nothing of it is checked.
    out.warnings.push(`${option} "${configured}" does not exist here (a path inside the pe-edge container?): its routers, services and middlewares are not checked, so references to them fail below; point the check at your copy, e.g. --${option}=./${basename(configured)}`);
    return out;
  }
  let snapshot: FileSnapshot | undefined;
  try {
    await startFileProvider({
      ...(useDirectory ? { directory: path } : { filename: path }),
      watch: false,
      signal: AbortSignal.abort(),
      onSnapshot: (s) => { snapshot = s; },
      onError: () => undefined,
    });
  } catch (e) {
    out.errors.push(e instanceof Error ? e.message : String(e));
    return out;
  }
  if (snapshot === undefined) return out;
  out.warnings.push(...snapshot.warnings);
  const { config, issues } = validateDynamicConfig(snapshot.raw);
  const located = snapshot;
  out.locate = (at) => {
    const found = located.locate(at);
    return found === undefined ? undefined : found.line === undefined ? found.file : `${found.file}:${found.line}`;
  };
  for (const issue of issues) {
    const where = out.locate(issue.path) ?? path;
    (issue.severity === 'error' ? out.errors : out.warnings).push(`${where}: ${issue.message}`);
  }
  out.fragment = config;
  return out;
}

/** The first of: relative to traefik.yml's folder, as written, through a bind mount, the same name next to traefik.yml. */
function hostPath(configured: string, configFile: string | undefined, mounts: readonly BindMount[]): string | undefined {
  const dir = configFile !== undefined ? dirname(resolve(configFile)) : undefined;
  const candidates: string[] = [];
  if (!isAbsolute(configured) && dir !== undefined) candidates.push(join(dir, configured));
  candidates.push(configured);
  for (const m of mounts) {
    const rest = relative(m.target, configured);
    if (rest === '' || (!rest.startsWith('..') && !isAbsolute(rest))) candidates.push(join(m.source, rest));
  }
  if (dir !== undefined) candidates.push(join(dir, basename(configured)));
  return candidates.find((c) => existsSync(c));
}
