import * as fs from 'node:fs';
import * as path from 'node:path';
import { withDescriptors } from './file-handle-cache.js';

/**
 * Replaces `file` with `body` so that a reader (or a restart after a crash) sees the old or the
 * new content, never a mix: written to `<file>.tmp`, fsynced, renamed over the file, and the
 * rename made durable.
 *
 * With `durable: false` nothing is fsynced: a process crash still sees the old or the new file
 * (the page cache survives it), an OS crash may leave a torn or empty one. Only for files whose
 * reader treats a torn file as "start from less" (recovery points, producer snapshots, leader
 * epochs rebuilt by recovery), where an fsync per partition would stall the broker.
 */
export function writeFileAtomically(file: string, body: string | Buffer, options: { durable?: boolean } = {}): void {
  withDescriptors(() => writeAndRename(file, body, options));
}

function writeAndRename(file: string, body: string | Buffer, options: { durable?: boolean }): void {
  const durable = options.durable ?? true;
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeFileSync(fd, body);
    if (durable) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  if (durable) fsyncDirectory(path.dirname(file));
}

/** fsyncs a file by its path (no-op when it does not exist). */
export function fsyncFile(file: string): void {
  let fd: number;
  try {
    fd = withDescriptors(() => fs.openSync(file, 'r'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Makes a rename or unlink in `dir` durable. Some platforms refuse to fsync a directory: ignore that. */
export function fsyncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = withDescriptors(() => fs.openSync(dir, 'r'));
    fs.fsyncSync(fd);
  } catch {
    // Best effort (Windows cannot open directories).
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** fsyncDirectory on the thread pool (when `needed`), best effort likewise. */
export async function fsyncDirectoryAsync(dir: string, needed = true): Promise<void> {
  if (!needed) return;
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await fs.promises.open(dir, 'r');
    await handle.sync();
  } catch {
    // Best effort (Windows cannot open directories).
  } finally {
    await handle?.close();
  }
}
