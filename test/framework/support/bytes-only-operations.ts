import type { Message, RecordMetadata } from 'kafkajs';
import type { KafkaOperations, PartitionInfo } from '../../../src/index.js';

/**
 * A non-transactional KafkaOperations that can only `sendBytes` and `partitionsFor`, the calls
 * the dead-letter recoverer makes: tests give it the send and see what the recoverer asks for.
 * Without `partitionsFor` the lookup fails (the recoverer then keeps the resolved partition).
 */
export function bytesOnlyOperations(
  sendBytes: (topic: string, message: Message) => Promise<RecordMetadata[]>,
  partitionsFor: (topic: string) => Promise<PartitionInfo[]> = () => Promise.reject(new Error('no partition info')),
): KafkaOperations {
  const unused = () => Promise.reject(new Error('not used by the recoverer'));
  return {
    defaultTopic: undefined,
    send: unused,
    sendDefault: unused,
    flush: () => Promise.resolve(),
    sendOffsetsToTransaction: unused,
    execute: unused,
    receive: unused,
    allowNonTransactional: false,
    isTransactional: () => false,
    inTransaction: () => false,
    executeInTransaction: () => Promise.reject<never>(new Error('not transactional')),
    sendBytes,
    partitionsFor,
  };
}
