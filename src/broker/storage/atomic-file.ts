import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Replaces `file` with `body` so that a reader (or a restart after a crash) sees the old or the
 * new content, never a mix: written to `<file>.tmp`, fsynced, renamed over the file, and the
 * rename made durable.
 */
export function writeFileAtomically(file: string, body: string | Buffer): void {
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeFileSync(fd, body);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  fsyncDirectory(path.dirname(file));
}

/** Makes a rename or unlink in `dir` durable. Some platforms refuse to fsync a directory: ignore that. */
export function fsyncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Best effort (Windows cannot open directories).
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
