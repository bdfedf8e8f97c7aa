/** What happens at the end of a retry-topic chain, as Spring's `DltStrategy`. */
export enum DltStrategy {
  /** No DLT: after the last attempt the record is logged and dropped. */
  NO_DLT = 'NO_DLT',
  /** A DLT; a record whose DLT handler fails is published to the DLT again (unless the failure is fatal). The default. */
  ALWAYS_RETRY_ON_ERROR = 'ALWAYS_RETRY_ON_ERROR',
  /** A DLT; a record whose DLT handler fails is logged and dropped. */
  FAIL_ON_ERROR = 'FAIL_ON_ERROR',
}
