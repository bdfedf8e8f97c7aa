import { FixedBackOff, type BackOff } from '../support/back-off.js';
import type { DefaultErrorHandler } from '../listener/default-error-handler.js';
import type { DeadLetterPublishingRecoverer } from '../listener/dead-letter-publishing-recoverer.js';
import type { ErrorClass } from '../listener/exception-classifier.js';
import type { MessageListenerContainer } from '../listener/message-listener-container.js';
import type { DeadLetterPublishingRecovererFactorySettings } from './dead-letter-publishing-recoverer-factory.js';

/**
 * Blocking retries inside each container of a retry-topic chain (Spring's
 * `BlockingRetriesConfigurer`): an allow-list. Only the failures named here are retried in
 * place (with this back-off) before the record moves on to the next topic.
 */
export class BlockingRetriesConfigurer {
  readonly retryableExceptions: ErrorClass[] = [];
  backOffPolicy: BackOff = new FixedBackOff(0, 9);

  retryOn(...types: ErrorClass[]): this {
    this.retryableExceptions.push(...types);
    return this;
  }

  backOff(backOff: BackOff): this {
    this.backOffPolicy = backOff;
    return this;
  }
}

/** Hooks called with each component of every retry-topic chain (Spring's `CustomizersConfigurer`). */
export class CustomizersConfigurer {
  errorHandlerCustomizer: ((errorHandler: DefaultErrorHandler) => void) | undefined;
  recovererCustomizer: ((recoverer: DeadLetterPublishingRecoverer) => void) | undefined;
  containerCustomizer: ((container: MessageListenerContainer) => void) | undefined;

  customizeErrorHandler(customizer: (errorHandler: DefaultErrorHandler) => void): this {
    this.errorHandlerCustomizer = customizer;
    return this;
  }

  customizeDeadLetterPublishingRecoverer(customizer: (recoverer: DeadLetterPublishingRecoverer) => void): this {
    this.recovererCustomizer = customizer;
    return this;
  }

  customizeListenerContainer(customizer: (container: MessageListenerContainer) => void): this {
    this.containerCustomizer = customizer;
    return this;
  }
}

/**
 * Global configuration of `@RetryableTopic`, as Spring's `RetryTopicConfigurationSupport`:
 * extend it, override what you need, and bind an instance in the application's container
 * (`container.bind(RetryTopicConfigurationSupport).toConstantValue(new MyRetryConfig())`,
 * then `KafkaApplication.create({ container, ... })`).
 */
export class RetryTopicConfigurationSupport {
  /** Blocking retries before a record moves on (default: none). */
  configureBlockingRetries(_configurer: BlockingRetriesConfigurer): void {}

  /** The non-blocking fatal list (failures that skip the retry topics); edit it in place. Default: deserialization, conversion and argument-resolution failures. */
  manageNonBlockingFatalExceptions(_exceptions: ErrorClass[]): void {}

  configureCustomizers(_configurer: CustomizersConfigurer): void {}

  /** Settings of the recoverers that forward records (partition resolver, header retention, extra headers, logging). */
  configureDeadLetterPublishingContainerFactory(): DeadLetterPublishingRecovererFactorySettings {
    return {};
  }
}
