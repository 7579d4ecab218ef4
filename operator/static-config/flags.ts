// Traefik-style CLI flags (`--entryPoints.web.address=:8080`) -> a nested plain object.
// Values stay strings (plus booleans for bare/`=true`/`=false`): typing, list splitting and
// key-case normalisation are the validator's job, as they are for labels.
import { isPlainObject } from '../../labels-spec/schema/strict-object.js';

export interface ParsedFlags {
  /** `--configFile` / `--configfile`: where the static file is, not a config value. */
  configFile?: string;
  values: Record<string, unknown>;
  errors: string[];
}

type Tree = Record<string, unknown>;

const isTree = (v: unknown): v is Tree => isPlainObject(v);

/** Finds `key` in `tree` ignoring case, as Traefik's paerser matches field names. */
function findKey(tree: Tree, key: string): string | undefined {
  if (Object.hasOwn(tree, key)) return key;
  const lower = key.toLowerCase();
  return Object.keys(tree).find((k) => k.toLowerCase() === lower);
}

function flagValue(raw: string | undefined): string | boolean {
  if (raw === undefined) return true; // bare flag: the section or bool is enabled
  const lower = raw.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  return raw;
}

/** Sets one dotted path; returns an error message when it collides with an earlier flag. */
function setPath(root: Tree, segments: string[], value: string | boolean, flag: string): string | undefined {
  let node = root;
  for (let i = 0; i < segments.length - 1; i++) {
    const seg = segments[i] as string;
    const key = findKey(node, seg) ?? seg;
    const existing = node[key];
    if (isTree(existing)) {
      node = existing;
      continue;
    }
    // `--ping --ping.entryPoint=x`: presence is implied by the sub-key, so `true` becomes an object.
    if (existing !== undefined && existing !== true) {
      return `${flag}: "${segments.slice(0, i + 1).join('.')}" already has the value ${JSON.stringify(existing)}`;
    }
    const child: Tree = {};
    node[key] = child;
    node = child;
  }
  const last = segments[segments.length - 1] as string;
  const key = findKey(node, last) ?? last;
  const existing = node[key];
  if (isTree(existing)) {
    // `--ping.entryPoint=x --ping`: the section is already there, `true` adds nothing.
    if (value === true) return undefined;
    return `${flag}: "${segments.join('.')}" is a section and cannot take the value ${JSON.stringify(value)}`;
  }
  node[key] = value; // a repeated flag: the last one wins, the first spelling stays
  return undefined;
}

/**
 * Parses `--a.b.c=value`, `--a.b.c value`, `--a.b.c` (true), with one or two dashes as paerser
 * accepts. `--` ends the flags; anything left over is reported.
 */
export function parseFlags(argv: readonly string[]): ParsedFlags {
  const result: ParsedFlags = { values: {}, errors: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      for (const rest of argv.slice(i + 1)) result.errors.push(`unexpected argument "${rest}"`);
      break;
    }
    if (!arg.startsWith('-') || arg.length < 2) {
      result.errors.push(`unexpected argument "${arg}" (flags look like --name=value)`);
      continue;
    }
    const body = arg.slice(arg.startsWith('--') ? 2 : 1);
    const eq = body.indexOf('=');
    const name = eq === -1 ? body : body.slice(0, eq);
    let raw = eq === -1 ? undefined : body.slice(eq + 1);
    const segments = name.split('.');
    if (name === '' || name.startsWith('-') || segments.some((s) => s === '')) {
      result.errors.push(`bad flag syntax: ${arg}`);
      continue;
    }
    // paerser takes the next argument as the value of a non-boolean flag written `--name value`.
    const next = argv[i + 1];
    if (raw === undefined && next !== undefined && !next.startsWith('-')) {
      raw = next;
      i++;
    }
    if (name.toLowerCase() === 'configfile') {
      if (raw === undefined || raw === '') result.errors.push(`${arg}: --configFile needs a path`);
      else result.configFile = raw;
      continue;
    }
    const error = setPath(result.values, segments, flagValue(raw), arg);
    if (error !== undefined) result.errors.push(error);
  }
  return result;
}

/**
 * Flags override the file: objects merge key by key (matched case-insensitively, the file's
 * spelling kept), anything else is replaced. A flag's `true` on a section the file already
 * configures keeps the file's section, since `true` only says "enabled".
 */
export function mergeFlags(fileConfig: Record<string, unknown>, flagValues: Record<string, unknown>): Record<string, unknown> {
  const merged: Tree = { ...fileConfig };
  for (const [flagKey, flagVal] of Object.entries(flagValues)) {
    const key = findKey(merged, flagKey) ?? flagKey;
    const fileVal = merged[key];
    if (isTree(flagVal) && isTree(fileVal)) merged[key] = mergeFlags(fileVal, flagVal);
    else if (flagVal === true && isTree(fileVal)) continue;
    else merged[key] = flagVal;
  }
  return merged;
}
