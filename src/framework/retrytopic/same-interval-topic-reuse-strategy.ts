/** Whether attempts with the same delay share a retry topic, as Spring's `SameIntervalTopicReuseStrategy`. */
export enum SameIntervalTopicReuseStrategy {
  /** One topic per attempt (`-retry-16000-0`, `-retry-16000-1`, ...). */
  MULTIPLE_TOPICS = 'MULTIPLE_TOPICS',
  /** Trailing attempts with the same delay reuse one topic (the `@RetryableTopic` default since Spring 3.2). */
  SINGLE_TOPIC = 'SINGLE_TOPIC',
}
