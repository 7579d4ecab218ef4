// Reads a YAML, TOML or JSON config file into a plain object, keeping enough of the parsed
// document to turn a validation issue's key path back into a line of that file.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { TomlError, parse as parseToml } from 'smol-toml';
import { Alias, type Document, isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument, type Pair } from 'yaml';
import { tomlKeyLines } from './toml-key-lines.js';
import { isPlainObject } from '../../labels-spec/schema/strict-object.js';

export type KeyPath = readonly (string | number)[];

export interface ConfigFileContent {
  /** The name used in messages (the path as given to the reader). */
  readonly file: string;
  readonly value: Record<string, unknown>;
  /** Non-fatal findings, already prefixed with the file name. */
  readonly warnings: readonly string[];
  /**
   * 1-based line of the key at `path` (keys matched case-insensitively). When the path goes
   * deeper than the file does (a missing required key), the line of the deepest key that exists.
   */
  lineOf(path: KeyPath): number | undefined;
}

/** A file that cannot be read or parsed; the message reads `file:line:column: reason`. */
export class ConfigFileError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(`${file}${line === undefined ? '' : `:${line}`}${column === undefined ? '' : `:${column}`}: ${reason}`);
    this.name = 'ConfigFileError';
  }
}

export type ConfigFormat = 'yaml' | 'toml' | 'json';

export function formatOfFile(file: string): ConfigFormat | undefined {
  switch (extname(file).toLowerCase()) {
    case '.yml':
    case '.yaml':
      return 'yaml';
    case '.toml':
      return 'toml';
    case '.json':
      return 'json';
    default:
      return undefined;
  }
}


/** The key's text as it appears in a YAML map, for case-insensitive matching. */
function keyText(pair: Pair): string | undefined {
  return isScalar(pair.key) && typeof pair.key.value !== 'symbol' ? String(pair.key.value) : undefined;
}

/** `<<` with merge enabled: yaml parses its key to a symbol. */
const isMergePair = (pair: Pair): boolean => isScalar(pair.key) && (typeof pair.key.value === 'symbol' || pair.key.value === '<<');

function resolve(doc: Document, node: unknown): unknown {
  return node instanceof Alias ? node.resolve(doc) : node;
}

/** The pair for `key` in a YAML map, looking through `<<` merge keys as YAML 1.1 does. */
function findPair(doc: Document, map: unknown, key: string): Pair | undefined {
  if (!isMap(map)) return undefined;
  const lower = key.toLowerCase();
  for (const item of map.items) if (isPair(item) && keyText(item)?.toLowerCase() === lower) return item;
  for (const item of map.items) {
    if (!isPair(item) || !isMergePair(item)) continue;
    const sources = resolve(doc, item.value);
    for (const source of isSeq(sources) ? sources.items : [sources]) {
      const found = findPair(doc, resolve(doc, source), key);
      if (found) return found;
    }
  }
  return undefined;
}

function yamlLineOf(doc: Document, counter: LineCounter, path: KeyPath): number | undefined {
  let node: unknown = doc.contents;
  let line: number | undefined;
  for (const segment of path) {
    node = resolve(doc, node);
    let located: Node | undefined;
    if (typeof segment === 'number' && isSeq(node)) {
      const item = node.items[segment];
      located = item as Node | undefined;
      node = item;
    } else {
      const pair = findPair(doc, node, String(segment));
      located = pair?.key as Node | undefined;
      node = pair?.value;
    }
    const offset = located?.range?.[0];
    if (offset === undefined) break;
    line = counter.linePos(offset).line;
  }
  return line;
}

/** The first line of a yaml error message, without the position the message repeats. */
function yamlReason(message: string): string {
  const first = message.split('\n')[0] ?? message;
  return first.replace(/ at line \d+, column \d+:?$/, '');
}

function templateWarnings(text: string, file: string): string[] {
  return text.includes('{{')
    ? [`${file}: contains "{{": Go templates in dynamic files are not implemented yet, the file is parsed as is`]
    : [];
}

function parseYaml(text: string, file: string): ConfigFileContent {
  const counter = new LineCounter();
  // merge: Traefik's go-yaml understands `<<: *anchor`, so users have files that rely on it.
  const doc = parseDocument(text, { lineCounter: counter, merge: true, prettyErrors: true });
  const error = doc.errors[0];
  if (error) {
    const pos = error.linePos?.[0];
    throw new ConfigFileError(file, yamlReason(error.message), pos?.line, pos?.col);
  }
  const value: unknown = doc.toJS() ?? {};
  if (!isPlainObject(value)) {
    const start = (doc.contents as Node | null)?.range?.[0] ?? 0;
    const pos = counter.linePos(start);
    throw new ConfigFileError(file, 'expected a mapping of keys at the top level', pos.line, pos.col);
  }
  const warnings = [...doc.warnings.map((w) => `${file}:${w.linePos?.[0]?.line ?? 1}: ${yamlReason(w.message)}`), ...templateWarnings(text, file)];
  return { file, value, warnings, lineOf: (path) => yamlLineOf(doc, counter, path) };
}

/** smol-toml builds null-prototype objects; consumers compare and spread plain ones. */
function toPlain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toPlain);
  if (typeof value !== 'object' || value === null || value instanceof Date) return value;
  const plain: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    // defineProperty, not assignment: a `__proto__` key stays a key
    Object.defineProperty(plain, k, { value: toPlain(v), enumerable: true, writable: true, configurable: true });
  }
  return plain;
}

function parseTomlText(text: string, file: string): ConfigFileContent {
  let value: Record<string, unknown>;
  try {
    value = toPlain(parseToml(text)) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof TomlError) {
      const reason = (err.message.split('\n')[0] ?? err.message).replace(/^Invalid TOML document: /, '');
      throw new ConfigFileError(file, reason, err.line, err.column);
    }
    throw err;
  }
  return { file, value, warnings: templateWarnings(text, file), lineOf: tomlKeyLines(text) };
}

/**
 * Parses config text. `format` defaults to the file's extension. JSON goes through the YAML
 * parser (JSON is YAML 1.2) so that its keys have lines too.
 */
export function parseConfigText(text: string, file: string, format: ConfigFormat | undefined = formatOfFile(file)): ConfigFileContent {
  switch (format) {
    case 'yaml':
    case 'json':
      return parseYaml(text, file);
    case 'toml':
      return parseTomlText(text, file);
    default:
      throw new ConfigFileError(file, `unsupported file extension "${extname(file)}" (use .yml, .yaml, .toml or .json)`);
  }
}

export async function readConfigFile(file: string): Promise<ConfigFileContent> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigFileError(file, (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : String((err as Error).message));
  }
  return parseConfigText(text, file);
}

/**
 * The line of `path` in a parsed file, or in the file at a path (read and parsed now, for
 * error reports only: never on a hot path). Undefined when the file cannot be parsed.
 */
export function lineOf(source: ConfigFileContent | string, path: KeyPath): number | undefined {
  if (typeof source !== 'string') return source.lineOf(path);
  try {
    return parseConfigText(readFileSync(source, 'utf8'), source).lineOf(path);
  } catch {
    return undefined;
  }
}
