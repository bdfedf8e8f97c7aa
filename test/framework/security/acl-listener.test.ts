/**
 * A listener whose user lacks READ, against an embedded broker with an authorizer: the
 * container stops with ConsumerStoppedEvent reason AUTH and the group's authorization error,
 * rather than retrying forever.
 */
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, ResourcePatternTypes, type Admin, type KafkaConfig } from 'kafkajs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { consoleLogger as brokerLogger } from '../../../src/broker/logger.js';
import { ApplicationEventPublisher, ConcurrentKafkaListenerContainerFactory, ConsumerStoppedEvent, DefaultKafkaConsumerFactory } from '../../../src/index.js';
import { waitFor } from '../../support/wait-for.js';
import { FAST_CONSUMER, kafkaConfig, testLogger, unique } from '../support/framework-harness.js';

let kafka: EmbeddedKafka;
let admin: Admin;
const as = (username: string): KafkaConfig => kafkaConfig(kafka, { sasl: { mechanism: 'plain', username, password: `${username}-secret` } });

beforeAll(async () => {
  kafka = await EmbeddedKafka.start({
    port: 0,
    sasl: { mechanisms: ['PLAIN'], users: [{ username: 'admin', password: 'admin-secret' }, { username: 'app', password: 'app-secret' }] },
    config: { 'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer', 'super.users': 'User:admin' },
    logger: brokerLogger('silent', 'acl-listener'),
  });
  admin = new Kafka({ ...as('admin'), clientId: 'acl-admin' }).admin();
  await admin.connect();
}, 60_000);
afterAll(async () => {
  await admin?.disconnect();
  await kafka?.stop();
});

const allow = (resourceType: AclResourceTypes, resourceName: string, operation: AclOperationTypes) => ({
  resourceType, resourceName, resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:app', host: '*', operation, permissionType: AclPermissionTypes.ALLOW,
});

test('a listener whose user may describe but not READ its group stops with reason AUTH instead of retrying', async () => {
  const topic = unique('acl-listener');
  const group = unique('acl-listener-group');
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  await admin.createAcls({ acl: [allow(AclResourceTypes.TOPIC, topic, AclOperationTypes.READ), allow(AclResourceTypes.GROUP, group, AclOperationTypes.DESCRIBE)] });
  const publisher = new ApplicationEventPublisher();
  const stopped: ConsumerStoppedEvent[] = [];
  publisher.addListener(ConsumerStoppedEvent, (event) => void stopped.push(event));
  const factory = new ConcurrentKafkaListenerContainerFactory({
    consumerFactory: new DefaultKafkaConsumerFactory({ kafka: as('app'), consumerConfig: FAST_CONSUMER, logger: testLogger }),
    containerProperties: { groupId: group },
    applicationEventPublisher: publisher,
    logger: testLogger,
  });
  const container = factory.createContainer(topic);
  container.containerProperties.messageListener = () => undefined;
  const started = await container.start().then(() => null, (error: unknown) => error);
  await waitFor(() => stopped.length > 0, { timeoutMs: 20_000 });
  expect(stopped.map((e) => e.reason)).toEqual(['AUTH']);
  expect(container.isRunning()).toBe(false);
  if (started !== null) expect(String(started)).toMatch(/[Gg]roup authorization failed/);
  await container.stop();
}, 60_000);
