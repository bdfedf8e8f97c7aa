import type { KafkaApplicationOptions } from '../container/kafka-application-options.js';
import type { Logger } from '../support/logger.js';
import { ProblemCollector } from './invalid-configuration-exception.js';
import { autoConfigure, type AutoConfiguredOptions } from './kafka-auto-configuration.js';
import { BINDABLE_KEYS, bindKafkaProperties, MAP_PREFIXES } from './kafka-properties-binder.js';
import { StreamwrightEnvironment } from './streamwright-environment.js';
import { KafkaProperties } from './kafka-properties.js';

/** The application's configuration: its properties (for placeholders) and the options they give. */
export interface ApplicationConfiguration extends AutoConfiguredOptions {
  readonly environment: StreamwrightEnvironment;
  /** Collects problems found later (placeholders in annotations); thrown with the others. */
  readonly problems: ProblemCollector;
}

/**
 * Reads the property sources (unless `config: false`), binds `streamwright.kafka.*` and merges
 * the result under the code options. Every problem found is kept in `problems`; the caller
 * throws them together once the annotations have been read too.
 */
export function loadApplicationConfiguration(options: KafkaApplicationOptions, logger: Logger): ApplicationConfiguration {
  if (options.config === false) {
    const problems = new ProblemCollector();
    const environment = StreamwrightEnvironment.of([]);
    return { ...autoConfigure(options, new KafkaProperties(new Map(), new Map()), problems, logger), environment, problems };
  }
  const environment = StreamwrightEnvironment.load(options.config ?? {}, BINDABLE_KEYS, MAP_PREFIXES);
  const problems = environment.problems;
  const properties = bindKafkaProperties(environment, problems);
  const configured = autoConfigure(options, properties, problems, logger);
  if (environment.sources.length > 0) logger.debug(`Configuration from ${environment.sources.map((s) => s.name).join(', ')} (profiles: ${environment.profiles.join(', ')})`);
  return { ...configured, environment, problems };
}
