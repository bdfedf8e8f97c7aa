import { KafkaConnection } from '../../src/client/kafka-connection.js';

/**
 * A connection of the project's own wire client (src/client) to `host:port`, for protocol tests
 * that send requests at explicit versions. One connection answers in request order, so members
 * that wait in JoinGroup at the same time need a connection each.
 */
export function connectWire(address: string, clientId = 'wire-test-client'): Promise<KafkaConnection> {
  const at = address.lastIndexOf(':');
  return KafkaConnection.connect({ host: address.slice(0, at), port: Number(address.slice(at + 1)), clientId });
}
