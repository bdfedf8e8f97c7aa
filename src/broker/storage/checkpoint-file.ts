import * as fs from 'node:fs';
import { writeFileAtomically } from './atomic-file.js';
import { KafkaStorageError } from './errors.js';
import { withDescriptors } from './file-handle-cache.js';

/**
 * Kafka's checkpoint text format (CheckpointFile): a version line, a count line, then one
 * entry per line, replaced atomically.
 */

export const CHECKPOINT_VERSION = 0;

export function writeCheckpointFile(file: string, lines: readonly string[], version = CHECKPOINT_VERSION, durable = true): void {
  writeFileAtomically(file, `${version}\n${lines.length}\n${lines.map((l) => `${l}\n`).join('')}`, { durable });
}

/** The entry lines, or null when the file does not exist. A malformed file is a KafkaStorageError. */
export function readCheckpointFile(file: string, version = CHECKPOINT_VERSION): string[] | null {
  let text: string;
  try {
    text = withDescriptors(() => fs.readFileSync(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const fail = (why: string): never => {
    throw new KafkaStorageError(`malformed checkpoint file ${file}: ${why}`);
  };
  if (lines.length < 2) fail('missing version or count line');
  if (lines[0]!.trim() !== String(version)) fail(`unrecognized version ${JSON.stringify(lines[0])}`);
  const count = Number(lines[1]!.trim());
  if (!Number.isInteger(count) || count < 0) fail(`bad entry count ${JSON.stringify(lines[1])}`);
  const entries = lines.slice(2);
  if (entries.length !== count) fail(`expected ${count} entries, found ${entries.length}`);
  return entries;
}

/**
 * Kafka's OffsetCheckpointFile entry for one partition (`<topic> <partition> <offset>`).
 * Streamwright keeps one such file per partition directory (see PartitionLog).
 */
export function writeOffsetCheckpoint(file: string, topic: string, partition: number, offset: number, durable = true): void {
  writeCheckpointFile(file, [`${topic} ${partition} ${offset}`], CHECKPOINT_VERSION, durable);
}

/** The offset in a single-partition offset checkpoint, or null when the file is absent or empty. */
export function readOffsetCheckpoint(file: string): number | null {
  const entries = readCheckpointFile(file);
  if (entries === null || entries.length === 0) return null;
  const parts = entries[0]!.trim().split(/\s+/);
  const offset = Number(parts.at(-1));
  if (parts.length < 3 || !Number.isSafeInteger(offset)) {
    throw new KafkaStorageError(`malformed offset checkpoint entry ${JSON.stringify(entries[0])} in ${file}`);
  }
  return offset;
}
