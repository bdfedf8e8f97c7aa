import type { Clock } from './clock.js';
import type { BrokerConfig } from './config/broker-config.js';
import type { BrokerLogger } from './logger.js';

/**
 * What every broker component may know about the broker it runs in: who it is, its configs,
 * where it logs and what time it is. Anything more (metadata, partitions, coordinators) is a
 * collaborator the component is handed explicitly.
 */
export interface BrokerContext {
  readonly nodeId: number;
  /** Static and dynamic broker configs; dynamic values change on a running broker, so read them when used. */
  readonly config: BrokerConfig;
  readonly logger: BrokerLogger;
  readonly clock: Clock;
}
