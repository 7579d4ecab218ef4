// The file provider: one file or a directory tree of YAML/TOML files, merged into a raw
// dynamic config (validation is the caller's, with labels-spec), re-read on change or SIGHUP.
// A file that cannot be parsed never produces a snapshot: the caller keeps its last good one.
import { type FSWatcher, watch } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ConfigFileError, type ConfigFileContent, type KeyPath, readConfigFile } from '../config-files/read-config-file.js';
import { type FileLocation, type FileOrigin, mergeFiles } from './file-fragments.js';

export type { FileLocation, FileOrigin } from './file-fragments.js';

export interface FileSnapshot {
  /** Merged, unvalidated content of every file. */
  readonly raw: Record<string, unknown>;
  /** The files read, in merge order. */
  readonly files: readonly string[];
  /** One per router/service/middleware/... (and per other top-level key): which file it came from. */
  readonly origins: readonly FileOrigin[];
  /** Duplicates skipped, templates not rendered, YAML warnings. */
  readonly warnings: readonly string[];
  /** file and line for a validation issue's key path. */
  locate(path: KeyPath): FileLocation | undefined;
}

/** A read or parse failure; `message` is `file:line:column: reason` when the position is known. */
export class FileProviderError extends Error {
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  constructor(message: string, where: { file?: string; line?: number; column?: number; cause?: unknown } = {}) {
    super(message, { cause: where.cause });
    this.name = 'FileProviderError';
    this.file = where.file;
    this.line = where.line;
    this.column = where.column;
  }
}

export interface FileProviderOptions {
  filename?: string;
  /** Wins over `filename` when both are set, as in Traefik. */
  directory?: string;
  watch: boolean;
  onSnapshot: (snapshot: FileSnapshot) => void;
  onError: (error: FileProviderError) => void;
  signal: AbortSignal;
  /** Quiet time after the last file event before reading (editors write in bursts). */
  debounceMs?: number;
}

export interface FileProviderHandle {
  /** Re-read now (hook this to SIGHUP); resolves once the result was handed over. */
  reload(): Promise<void>;
}

const CONFIG_EXT = /\.(ya?ml|toml)$/i;
const MAX_DELAY_MS = 200; // a file rewritten without pause is still read this often

/** Config files under `dir`, depth-first in byte order like Go's os.ReadDir, relative to `dir`. */
async function listConfigFiles(dir: string, rel = ''): Promise<string[]> {
  const entries = await readdir(join(dir, rel), { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files: string[] = [];
  for (const entry of entries) {
    const path = rel === '' ? entry.name : join(rel, entry.name);
    if (entry.isDirectory()) files.push(...(await listConfigFiles(dir, path)));
    else if (CONFIG_EXT.test(entry.name)) files.push(path);
  }
  return files;
}

/** A folder the options name that does not exist: said with the option and path, not as a raw ENOENT. */
function missingFolder(err: unknown, opts: Pick<FileProviderOptions, 'directory' | 'filename'>): FileProviderError | undefined {
  const e = err as NodeJS.ErrnoException;
  if (e?.code !== 'ENOENT' || e.path === undefined) return undefined;
  if (opts.directory !== undefined && e.path === opts.directory) {
    return new FileProviderError(`providers.file.directory "${opts.directory}": no such directory; create it or set the option to the folder of your dynamic configuration files`, { file: opts.directory, cause: err });
  }
  if (opts.directory === undefined && opts.filename !== undefined && e.path === dirname(opts.filename)) {
    return new FileProviderError(`providers.file.filename "${opts.filename}": its folder ${e.path} does not exist, so the file cannot be read or watched; create it or fix the path`, { file: opts.filename, cause: err });
  }
  return undefined;
}

function toProviderError(err: unknown, fallbackFile: string, opts: Pick<FileProviderOptions, 'directory' | 'filename'> = {}): FileProviderError {
  if (err instanceof FileProviderError) return err;
  const missing = missingFolder(err, opts);
  if (missing !== undefined) return missing;
  if (err instanceof ConfigFileError) return new FileProviderError(err.message, { file: err.file, line: err.line, column: err.column, cause: err });
  const reason = err instanceof Error ? err.message : String(err);
  return new FileProviderError(`${fallbackFile}: ${reason}`, { file: fallbackFile, cause: err });
}

async function loadSnapshot(opts: FileProviderOptions): Promise<FileSnapshot> {
  let contents: ConfigFileContent[];
  let names: string[];
  if (opts.directory !== undefined) {
    const dir = opts.directory;
    names = await listConfigFiles(dir);
    contents = await Promise.all(names.map((name) => readConfigFile(join(dir, name))));
  } else if (opts.filename !== undefined) {
    names = [opts.filename];
    contents = [await readConfigFile(opts.filename)];
  } else {
    throw new FileProviderError('providers.file: set filename or directory');
  }
  const merged = mergeFiles(contents, names);
  return { ...merged, files: contents.map((c) => c.file) };
}

/**
 * Reads until two reads in a row agree: a file rewritten in place (truncate, then write) can be
 * read half-written, and applying that would drop routes until the next read.
 */
async function loadSettled(opts: FileProviderOptions): Promise<FileSnapshot> {
  const attempt = (): Promise<{ snapshot?: FileSnapshot; error?: unknown; key: string }> =>
    loadSnapshot(opts).then(
      (snapshot) => ({ snapshot, key: JSON.stringify(snapshot.raw) }),
      (error: unknown) => ({ error, key: `error ${error instanceof Error ? error.message : String(error)}` }),
    );
  let last = await attempt();
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setTimeout(r, 5));
    const next = await attempt();
    if (next.key === last.key) break;
    last = next;
  }
  // Empty is what a rewrite in place looks like between its truncate and its write, for as long as the writer
  // is descheduled (tens of ms on a busy machine): an emptied file is applied only once it stays so for 200 ms.
  for (let i = 0; i < 10 && last.key === EMPTY_KEY; i++) {
    await new Promise((r) => setTimeout(r, 20));
    last = await attempt();
  }
  if (last.snapshot === undefined) throw last.error;
  return last.snapshot;
}

/** The settled-read key of files with nothing in them. */
const EMPTY_KEY = JSON.stringify({});

/** Watches the directory tree, or the file's parent (editors replace files by rename). */
function startWatching(opts: FileProviderOptions, onChange: () => void): FSWatcher[] {
  const onWatchError = (err: unknown): void => opts.onError(toProviderError(err, opts.directory ?? opts.filename ?? '', opts));
  if (opts.directory !== undefined) {
    const onEvent = (_event: string, name: string | Buffer | null): void => {
      // Swap files and the like change nothing; directories (no extension) may hold config files.
      if (name === null || CONFIG_EXT.test(String(name)) || !/\.[^/]*$/.test(basename(String(name)))) onChange();
    };
    let watcher: FSWatcher;
    try {
      watcher = watch(opts.directory, { recursive: true, signal: opts.signal }, onEvent);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM') throw err;
      watcher = watch(opts.directory, { signal: opts.signal }, onEvent); // top level only, as Traefik
    }
    return [watcher.on('error', onWatchError)];
  }
  const file = opts.filename ?? '';
  const base = basename(file);
  const watcher = watch(dirname(file), { signal: opts.signal }, (_event, name) => {
    if (name === null || String(name) === base) onChange();
  });
  return [watcher.on('error', onWatchError)];
}

/**
 * Loads once, hands the snapshot over, then (with `watch`) re-reads on every change until
 * `signal` aborts. First load failure: with `watch` it goes to `onError` and watching goes on;
 * without `watch` the returned promise rejects.
 */
export async function startFileProvider(opts: FileProviderOptions): Promise<FileProviderHandle> {
  const debounceMs = opts.debounceMs ?? 30;
  const source = opts.directory ?? opts.filename ?? '';
  let lastEmitted: string | undefined;
  let running: Promise<void> | undefined;
  let again = false;

  const applyOnce = async (): Promise<void> => {
    let snapshot: FileSnapshot;
    try {
      snapshot = await loadSettled(opts);
    } catch (err) {
      opts.onError(toProviderError(err, source, opts));
      return;
    }
    if (opts.signal.aborted) return;
    // Only a change of content is news: editors touch files without changing them.
    const key = JSON.stringify(snapshot.raw);
    if (key === lastEmitted) return;
    lastEmitted = key;
    opts.onSnapshot(snapshot);
  };

  /** One read at a time; requests during a read collapse into one more read after it. */
  const reload = (): Promise<void> => {
    if (opts.signal.aborted) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await applyOnce();
      } while (again && !opts.signal.aborted);
      running = undefined;
    })();
    return running;
  };

  if (!opts.watch) {
    const snapshot = await loadSnapshot(opts).catch((err: unknown) => {
      throw toProviderError(err, source, opts);
    });
    lastEmitted = JSON.stringify(snapshot.raw);
    opts.onSnapshot(snapshot);
    return { reload };
  }

  let timer: NodeJS.Timeout | undefined;
  let firstEventAt = 0;
  const schedule = (): void => {
    const now = Date.now();
    if (timer === undefined) firstEventAt = now;
    else clearTimeout(timer);
    const delay = Math.max(0, Math.min(debounceMs, firstEventAt + MAX_DELAY_MS - now));
    timer = setTimeout(() => {
      timer = undefined;
      void reload();
    }, delay);
  };
  opts.signal.addEventListener('abort', () => clearTimeout(timer), { once: true });

  // Watch before the first read so that a change during it is not lost.
  try {
    startWatching(opts, schedule);
  } catch (err) {
    throw toProviderError(err, source, opts);
  }
  await reload();
  return { reload };
}
