import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import { apiHandler } from './api-handler.js';

export interface ApiVersionRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

/**
 * ApiVersions advertises exactly the ranges the broker's handlers serve (the same on every
 * broker, since kafkajs reuses the seed broker's answer for all of them).
 */
export function apiVersionsHandler(ranges: () => ApiVersionRange[]) {
  return apiHandler({
    apiKey: ApiKeys.ApiVersions,
    minVersion: 0,
    maxVersion: 3,
    handle: () => ({ errorCode: ErrorCode.NONE, apiKeys: ranges(), throttleTimeMs: 0 }),
  });
}
