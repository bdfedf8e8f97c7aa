import * as fs from 'node:fs';

/** Deletes a file; returns false when there was none (every other failure is thrown). */
export function unlinkIfExists(path: string): boolean {
  try {
    fs.unlinkSync(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
