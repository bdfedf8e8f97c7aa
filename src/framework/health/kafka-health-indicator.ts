import type { TopicPartition } from '../support/topic-partition.js';
import type { KafkaMetrics } from '../metrics/kafka-metrics.js';
import type { ListenerContainers } from '../metrics/listener-containers.js';

export type HealthStatus = 'UP' | 'DOWN';

/** One consumer of a listener container. */
export interface ContainerHealth {
  /** The consumer's container id (`<listener id>-<n>` for concurrent containers). */
  readonly name: string;
  readonly listenerId: string;
  readonly groupId: string;
  readonly running: boolean;
  readonly assignedPartitions: TopicPartition[];
  readonly pausedPartitions: TopicPartition[];
  /** Milliseconds since the consumer last fetched; undefined before its first fetch. */
  readonly msSinceLastPoll: number | undefined;
  /** Sum of the lag of its partitions; undefined when the broker could not be asked. */
  readonly lag: number | undefined;
  readonly circuitState: 'CLOSED' | 'OPEN' | 'HALF_OPEN' | undefined;
  readonly lastError: { message: string; at: number } | undefined;
}

export interface ApplicationHealth {
  /** UP while the application runs and every auto-started consumer runs. */
  readonly status: HealthStatus;
  readonly containers: ContainerHealth[];
}

/** Builds `app.health()` from the containers and what the metrics observed. */
export class KafkaHealthIndicator {
  constructor(
    private readonly containers: ListenerContainers,
    private readonly metrics: KafkaMetrics | undefined,
    private readonly autoStarted: (listenerId: string) => boolean,
  ) {}

  async health(applicationRunning: boolean): Promise<ApplicationHealth> {
    const lagRows = await this.metrics?.lag.current().catch(() => undefined);
    const now = Date.now();
    const containers = this.containers.consumers().map(({ listener, consumer }): ContainerHealth => {
      const assigned = consumer.assignments();
      const paused = assigned.filter((tp) => consumer.isPauseRequested() || consumer.isPartitionPauseRequested(tp) || consumer.isPartitionBackingOff(tp) || consumer.circuitBreaker?.state === 'OPEN');
      const lastPoll = consumer.lastPollTime;
      const rows = lagRows?.filter((row) => row.consumer === consumer.listenerId);
      return {
        name: consumer.listenerId,
        listenerId: listener.listenerId,
        groupId: consumer.groupId,
        running: consumer.isRunning(),
        assignedPartitions: assigned,
        pausedPartitions: paused,
        msSinceLastPoll: lastPoll === undefined ? undefined : now - lastPoll,
        lag: rows?.reduce((sum, row) => sum + row.lag, 0),
        circuitState: consumer.circuitBreaker?.state,
        lastError: this.metrics?.lastError(consumer),
      };
    });
    const down = containers.some((c) => !c.running && this.autoStarted(c.listenerId));
    const noneExpected = this.containers.listeners().filter((l) => this.autoStarted(l.listenerId)).some((l) => !l.isRunning());
    return { status: applicationRunning && !down && !noneExpected ? 'UP' : 'DOWN', containers };
  }
}
