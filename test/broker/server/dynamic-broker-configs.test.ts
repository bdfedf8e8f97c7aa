import { afterAll, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { ApiKeys } from '../../../src/protocol/generated/messages.js';
import { closeRawConnections, openRaw, openWire, startKafka, stopKafkas } from '../../support/broker-harness.js';
import type { KafkaConnection } from '../../../src/client/kafka-connection.js';

// AlterConfigs on a BROKER resource changes only what a running broker applies: Kafka's
// dynamic configs. A config read once at start-up is refused with INVALID_REQUEST, as Kafka
// does ("Cannot update these configs dynamically"), and DescribeConfigs reports it read-only.

afterAll(async () => {
  closeRawConnections();
  await stopKafkas();
});

const BROKER = 4;

async function set(connection: KafkaConnection, name: string, value: string) {
  const response = await connection.request(ApiKeys.IncrementalAlterConfigs, 1, { resources: [{ resourceType: BROKER, resourceName: '0', configs: [{ name, configOperation: 0, value }] }], validateOnly: false });
  return response.responses[0]!;
}

it('refuses a start-up-only config, applies a dynamic one to the next connection, and reports which is which', async () => {
  const kafka = await startKafka();
  const bootstrap = kafka.bootstrapServers[0]!;
  const admin = await openWire(bootstrap, 'admin');

  const refused = await set(admin, 'socket.request.max.bytes', '1000');
  expect(refused.errorCode).toBe(ErrorCode.INVALID_REQUEST);
  expect(refused.errorMessage).toBe('Cannot update these configs dynamically: socket.request.max.bytes');

  expect((await set(admin, 'max.connections.per.ip', '2')).errorCode).toBe(ErrorCode.NONE);
  const second = await openWire(bootstrap, 'second');
  expect((await second.request(ApiKeys.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' })).errorCode).toBe(0);
  // Over the limit: a bare socket, which the broker closes (the wire client's handshake would fail first).
  const third = await openRaw(bootstrap, 'third');
  expect(await third.closesWithin()).toBe(true);

  const described = await admin.request(ApiKeys.DescribeConfigs, 4, { resources: [{ resourceType: BROKER, resourceName: '0', configurationKeys: ['socket.request.max.bytes', 'max.connections.per.ip', 'log.retention.ms'] }], includeSynonyms: false, includeDocumentation: false });
  const readOnly = Object.fromEntries(described.results[0]!.configs.map((c) => [c.name, c.readOnly]));
  expect(readOnly).toEqual({ 'socket.request.max.bytes': true, 'max.connections.per.ip': false, 'log.retention.ms': false });
});
