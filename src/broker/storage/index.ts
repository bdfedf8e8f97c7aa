// Kafka's segmented on-disk log: one PartitionLog per partition directory, owned by the LogManager.
export { LogConfig, LogConfigKeys, LOG_CONFIG_NAMES, LONG_MAX_VALUE, DEFAULT_LOG_CONFIG, parseLogConfig, validateLogConfigValue } from './log-config.js';
export type { CleanupPolicy, LogConfigValues, MessageTimestampType } from './log-config.js';
export { InvalidConfigError } from '../config/invalid-config-error.js';
export { StorageError, OffsetOutOfRangeError, RecordBatchTooLargeError, InvalidAppendOffsetError, KafkaStorageError } from './errors.js';
export { PartitionLog } from './partition-log.js';
export type { AppendOptions, LogAppendInfo, LogChange, LogListener, LogReadResult, PartitionLogOptions, ReadOptions } from './partition-log.js';
export { LogManager, type LogManagerOptions } from './log-manager.js';
export { ReplicationOffsetCheckpoint, type PartitionOffset } from './replication-offset-checkpoint.js';
export { LogCleaner, groupSegmentsBySize, type CleanableRange, type CleanerStats, type LogCleanerOptions } from './log-cleaner.js';
export { checkRecordsHaveKeys, checkRecordsHaveKeysAsync } from './compacted-records.js';
export { LogSegment, type TimestampAndOffset } from './log-segment.js';
export { OffsetIndex, type OffsetPosition } from './offset-index.js';
export { TimeIndex, type TimestampOffset } from './time-index.js';
export { LeaderEpochCache, UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET, type EpochEndOffset, type EpochEntry } from './leader-epoch-cache.js';
export { ProducerStateManager, ProducerStateEntry, OutOfOrderSequenceError, InvalidProducerEpochError, InvalidTxnStateError, TransactionCoordinatorFencedError, type AppendOrigin, type CompletedTxn } from './producer-state-manager.js';
export { TransactionIndex, type AbortedTxn } from './transaction-index.js';
export { loadLog, type LoadedLog } from './log-recovery.js';
export * from './log-file-names.js';
