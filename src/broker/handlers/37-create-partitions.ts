import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import type { KafkaBroker } from '../kafka-broker.js';
import { apiHandler } from './api-handler.js';
import { NO_ERROR, duplicates, errorFields } from './topic-errors.js';

/** CreatePartitions: grows a topic to `count` partitions, optionally with explicit assignments. */
export function createPartitionsHandler(broker: KafkaBroker) {
  return apiHandler({
    apiKey: ApiKeys.CreatePartitions,
    minVersion: 0,
    maxVersion: 3,
    handle(request) {
      const repeated = duplicates(request.topics.map((t) => t.name));
      return {
        throttleTimeMs: 0,
        results: request.topics.map((t) => {
          if (repeated.has(t.name)) return { name: t.name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic in request.' };
          try {
            broker.controller.createPartitions(t.name, t.count, t.assignments?.map((a) => a.brokerIds) ?? null, request.validateOnly);
            return { name: t.name, ...NO_ERROR };
          } catch (error) {
            return { name: t.name, ...errorFields(error) };
          }
        }),
      };
    },
  });
}
