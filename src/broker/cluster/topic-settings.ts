import type { LogConfig } from '../storage/log-config.js';

/** A topic's effective settings: the log's own plus what the produce path checks. */
export interface TopicSettings {
  readonly log: LogConfig;
  readonly minInsyncReplicas: number;
  readonly messageTimestampBeforeMaxMs: number;
  readonly messageTimestampAfterMaxMs: number;
  /** compression.type: the codec batches are stored in ('producer' keeps the producer's). */
  readonly compressionType: string;
}
