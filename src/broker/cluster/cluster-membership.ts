import type { BrokerEndpoint } from './broker-endpoint.js';

/** Which brokers are alive and which one is the active controller (one broker: itself). */
export interface ClusterMembership {
  /**
   * The live brokers. With a listener name, each broker's address on that listener (Kafka
   * answers with the listener the request came in on); brokers without it are left out.
   */
  liveBrokers(listener?: string): BrokerEndpoint[];
  isLive(nodeId: number): boolean;
  controllerId(): number;
}
