import { KafkaException } from '../kafka-exception.js';

/** One thing wrong with the configuration. */
export interface ConfigurationProblem {
  /** The property (`streamwright.kafka.consumer.group-id`) or attribute (`@KafkaListener topics of A.b`). */
  readonly key: string;
  /** Where the value came from: `streamwright.yml:12`, `environment variable X`, `code`. */
  readonly origin: string;
  /** What was wrong or expected. */
  readonly message: string;
  /** A likely intended key, for unknown ones. */
  readonly suggestion?: string;
}

/**
 * Bad configuration, reported once at start-up with every problem found (Spring Boot's
 * "Failed to bind properties" report, but complete rather than first-failure-only).
 */
export class InvalidConfigurationException extends KafkaException {
  constructor(readonly problems: readonly ConfigurationProblem[]) {
    super(`Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map(describeProblem).join('\n')}`);
  }
}

export function describeProblem(problem: ConfigurationProblem): string {
  const hint = problem.suggestion ? ` (did you mean '${problem.suggestion}'?)` : '';
  return `  - ${problem.key} [${problem.origin}]: ${problem.message}${hint}`;
}

/** Collects problems and throws them together. */
export class ProblemCollector {
  readonly problems: ConfigurationProblem[] = [];

  add(problem: ConfigurationProblem): void {
    // The same key can be checked once per client type (consumer, producer, admin); report it once.
    if (this.problems.some((p) => p.key === problem.key && p.origin === problem.origin && p.message === problem.message)) return;
    this.problems.push(problem);
  }

  throwIfAny(): void {
    if (this.problems.length > 0) throw new InvalidConfigurationException(this.problems);
  }
}
