import { ERROR_TABLE, ErrorCode } from './generated/error-codes.js';

export { ErrorCode };

const byCode = new Map(ERROR_TABLE.map(([code, name, retriable]) => [code, { name, retriable }]));

/** Kafka's name for an error code, e.g. 3 → "UNKNOWN_TOPIC_OR_PARTITION". */
export function errorName(code: number): string {
  return byCode.get(code)?.name ?? `UNKNOWN_ERROR_CODE_${code}`;
}

/** Whether clients treat the error as retriable (Kafka's RetriableException subclasses). */
export function isRetriable(code: number): boolean {
  return byCode.get(code)?.retriable ?? false;
}

/** An error code received from (or sent by) a broker, as a throwable. */
export class KafkaProtocolError extends Error {
  override readonly name: string = 'KafkaProtocolError';
  readonly type: string;
  readonly retriable: boolean;
  constructor(
    readonly code: number,
    message?: string,
  ) {
    super(message ? `${errorName(code)}: ${message}` : errorName(code));
    this.type = errorName(code);
    this.retriable = isRetriable(code);
  }
}
