import { ErrorCode, KafkaProtocolError } from '../../protocol/error-codes.js';

/** Turns a controller failure into the (errorCode, errorMessage) pair admin responses carry. */
export function errorFields(error: unknown): { errorCode: number; errorMessage: string | null } {
  if (error instanceof KafkaProtocolError) {
    const prefix = `${error.type}: `;
    return { errorCode: error.code, errorMessage: error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message };
  }
  throw error;
}

export const NO_ERROR = { errorCode: ErrorCode.NONE, errorMessage: null } as const;

/** Names that appear more than once in one request: Kafka answers them with INVALID_REQUEST. */
export function duplicates(names: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const name of names) (seen.has(name) ? twice : seen).add(name);
  return twice;
}
