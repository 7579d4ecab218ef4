// The acme.json file of one or more ACME resolvers: Traefik's permission rule, atomic writes, one
// writer per file, and a corrupt file kept aside instead of overwritten. The format is acme-json.ts.
import { constants } from 'node:fs';
import { copyFile, open, rename, truncate, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import { AcmeShapeError, decodeResolverData, encodeResolverData, formatAcmeFile, parseAcmeFile, type ResolverData } from './acme-json.js';
import { replaceFileAtomically } from '../config-files/replace-file.js';

export { certificateNotAfter, parseTraefikKeyType, traefikKeyTypeName } from './acme-json.js';
export type { LegoKeyType, ResolverData, StoredAccount, StoredCertificate, TraefikKeyType } from './acme-json.js';

/** A storage file that cannot be used; the message is what the operator logs. */
export class AcmeStorageError extends Error {
  constructor(
    message: string,
    /** The storage path as configured. */
    readonly file: string,
    /** Where a corrupt file was moved to, when it was. */
    readonly movedTo?: string,
  ) {
    super(message);
    this.name = 'AcmeStorageError';
  }
}

// One promise chain per file, keyed by resolved path: resolvers sharing a file each hold their own
// AcmeStorage, and a save reads the other resolvers' entries before replacing its own, so two saves
// must never interleave. This is a file lock for this process, not per-request state; Traefik's
// file is not meant to be shared between processes either.
const fileQueues = new Map<string, Promise<void>>();

function serialized<T>(file: string, task: () => Promise<T>): Promise<T> {
  const run = (fileQueues.get(file) ?? Promise.resolve()).then(task);
  const tail = run.then(() => undefined, () => undefined);
  fileQueues.set(file, tail);
  void tail.then(() => {
    if (fileQueues.get(file) === tail) fileQueues.delete(file);
  });
  return run;
}

function errnoCode(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

const reasonOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export class AcmeStorage {
  private readonly file: string;

  constructor(readonly path: string) {
    this.file = resolve(path);
  }

  /** Data of one resolver (empty when the file or the entry is missing; an empty file is no data). */
  load(resolver: string): Promise<ResolverData> {
    return serialized(this.file, async () => decodeResolverData((await this.readEntries(true))[resolver], resolver));
  }

  /** Replaces one resolver's entry, keeping the other resolvers' entries in the same file. */
  save(resolver: string, data: ResolverData): Promise<void> {
    return serialized(this.file, async () => {
      const entries = await this.readEntries(false);
      let entry: unknown;
      try {
        entry = encodeResolverData(data, resolver);
      } catch (err) {
        throw new AcmeStorageError(`unable to save resolver "${resolver}" to ${this.path}: ${reasonOf(err)}`, this.path);
      }
      const text = formatAcmeFile({ ...entries, [resolver]: entry });
      try {
        await replaceFileAtomically(this.file, text, { mode: 0o600, inPlaceWhenBusy: true });
      } catch (err) {
        throw new AcmeStorageError(`unable to write ${this.path}: ${reasonOf(err)}`, this.path);
      }
    });
  }

  /** All entries of the file; a missing file is created (0600) when `create`, as Traefik's CheckFile. */
  private async readEntries(create: boolean): Promise<Record<string, unknown>> {
    const text = await this.readText(create);
    if (text === undefined) return {};
    try {
      return parseAcmeFile(text);
    } catch (err) {
      if (err instanceof AcmeShapeError) return this.setAside(err.message);
      throw err;
    }
  }

  private async readText(create: boolean): Promise<string | undefined> {
    let handle: FileHandle;
    try {
      handle = await open(this.file, 'r');
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw new AcmeStorageError(`unable to read ${this.path}: ${reasonOf(err)}`, this.path);
      if (create) await this.createEmpty();
      return undefined;
    }
    try {
      const perm = (await handle.stat()).mode & 0o777;
      // Traefik's rule and words (local_store_unix.go); Windows has no such bits.
      if (process.platform !== 'win32' && (perm & 0o077) !== 0) {
        throw new AcmeStorageError(`permissions ${perm.toString(8)} for ${this.path} are too open, please use 600`, this.path);
      }
      return await handle.readFile('utf8');
    } catch (err) {
      if (err instanceof AcmeStorageError) throw err;
      throw new AcmeStorageError(`unable to read ${this.path}: ${reasonOf(err)}`, this.path);
    } finally {
      await handle.close();
    }
  }

  private async createEmpty(): Promise<void> {
    try {
      const handle = await open(this.file, 'wx', 0o600);
      // The mode given to open is reduced by the umask; chmod states it whatever the umask.
      await handle.chmod(0o600).finally(() => handle.close());
    } catch (err) {
      if (errnoCode(err) === 'EEXIST') return;
      throw new AcmeStorageError(`unable to create ${this.path}: ${reasonOf(err)}`, this.path);
    }
  }

  /** Moves a corrupt file out of the way so nothing overwrites it, and reports both names. */
  private async setAside(reason: string): Promise<never> {
    const stamp = new Date().toISOString().replace(/:/g, '-');
    const aside = `${this.path}.corrupt-${stamp}`;
    try {
      await moveAside(this.file, `${this.file}.corrupt-${stamp}`);
    } catch (err) {
      throw new AcmeStorageError(`${this.path} is corrupt (${reason}) and could not be moved aside: ${reasonOf(err)}`, this.path);
    }
    throw new AcmeStorageError(`${this.path} is corrupt (${reason}); it was moved to ${aside}`, this.path, aside);
  }
}

async function moveAside(file: string, aside: string): Promise<void> {
  try {
    await rename(file, aside);
  } catch (err) {
    if (errnoCode(err) !== 'EBUSY' && errnoCode(err) !== 'EXDEV') throw err;
    // A file bind-mounted on its own cannot be renamed: keep a copy, then empty it (no data).
    await copyFile(file, aside, constants.COPYFILE_EXCL);
    await truncate(file, 0);
  }
}
