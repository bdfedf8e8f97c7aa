/** How retry topics are named, as Spring's `TopicSuffixingStrategy`. */
export enum TopicSuffixingStrategy {
  /** `-retry-<delay>`, e.g. `orders-retry-1000` (the default). */
  SUFFIX_WITH_DELAY_VALUE = 'SUFFIX_WITH_DELAY_VALUE',
  /** `-retry-<index>`, e.g. `orders-retry-0`. */
  SUFFIX_WITH_INDEX_VALUE = 'SUFFIX_WITH_INDEX_VALUE',
}
