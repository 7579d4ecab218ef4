import { randomBytes } from 'node:crypto';
import { open, realpath, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface ReplaceOptions {
  /** The new file's permission bits; `'keep'` keeps the replaced file's. */
  readonly mode: number | 'keep';
  /**
   * A file bind-mounted on its own (`- ./acme.json:/acme.json`) cannot be replaced by a rename (EBUSY, EXDEV):
   * true writes it in place then, as Traefik's os.WriteFile always does; false lets the error through.
   */
  readonly inPlaceWhenBusy: boolean;
}

/**
 * Writes `text` so that a reader sees the old file or the new one, never a mix, and a full disk or a killed process
 * never leaves it cut short: a temp file in the same folder (created exclusively), written and fsynced, renamed over
 * the file, then the folder fsynced so the rename itself survives a crash. Through a symlink (a volume's or
 * Kubernetes' `..data` link, a linked compose file) the file it names is replaced and the link stays a link.
 */
export async function replaceFileAtomically(path: string, text: string, options: ReplaceOptions): Promise<void> {
  const file = await realpath(path).catch(() => path);
  const mode = options.mode === 'keep' ? (await stat(file)).mode & 0o7777 : options.mode;
  const dir = dirname(file);
  const temp = join(dir, `.${basename(file)}.pe-edge-${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      // The mode given to open is reduced by the umask; chmod states it whatever the umask.
      await handle.chmod(mode);
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    const code = (err as NodeJS.ErrnoException).code;
    if (!options.inPlaceWhenBusy || (code !== 'EBUSY' && code !== 'EXDEV')) throw err;
    await writeInPlace(file, text, mode);
    return;
  }
  await syncDirectory(dir);
}

async function writeInPlace(file: string, text: string, mode: number): Promise<void> {
  const handle = await open(file, 'w', mode);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // The rename is done; some filesystems refuse fsync on a directory, which loses nothing more
    // than a crash in the next moments could.
  } finally {
    await handle?.close();
  }
}
