import type { Message, RecordMetadata } from 'kafkajs';
import type { KafkaOperations } from '../../../src/index.js';

/**
 * A non-transactional KafkaOperations that can only `sendBytes`, the one call the
 * dead-letter recoverer makes: tests give it the send and see what the recoverer asks for.
 */
export function bytesOnlyOperations(sendBytes: (topic: string, message: Message) => Promise<RecordMetadata[]>): KafkaOperations {
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
  };
}
