import { ErrorCode } from '../../protocol/error-codes.js';

/**
 * PRODUCER_FENCED exists from the given version of each transaction API on; older clients
 * get INVALID_PRODUCER_EPOCH for the same condition (as Kafka's request classes do).
 */
export function fencedErrorFor(errorCode: number, apiVersion: number, firstVersionWithProducerFenced: number): number {
  return errorCode === ErrorCode.PRODUCER_FENCED && apiVersion < firstVersionWithProducerFenced ? ErrorCode.INVALID_PRODUCER_EPOCH : errorCode;
}
