import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, logLevel, ResourcePatternTypes, type AclEntry, type KafkaConfig } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { kcat, python, startKafka, stopKafkas, tempDir } from '../../support/broker-harness.js';
import { cli } from '../../cli/cli-process.js';
import { ClusterClient } from '../../../src/client/cluster-client.js';
import { ApiKeys } from '../../../src/protocol/generated/messages.js';
import { ZERO_UUID } from '../../../src/protocol/schema/uuid.js';

// The authorizer against real clients on a SASL broker: kafkajs, kcat / confluent-kafka
// (librdkafka) and kafka-python get Kafka's authorization errors, ACLs follow Kafka's rules
// (prefixed patterns, DENY over ALLOW, super.users, hidden topics), survive a restart, and a
// client certificate is a principal ACLs can name.

const SCRIPT = readFileSync(fileURLToPath(new URL('./acl_produce.py', import.meta.url)), 'utf8');
const USERS = ['admin', 'alice', 'bob', 'carol'].map((username) => ({ username, password: `${username}-secret`, mechanisms: ['PLAIN' as const] }));

let kafka: EmbeddedKafka;

beforeAll(async () => {
  kafka = await startKafka({
    listeners: 'SASL_PLAINTEXT://127.0.0.1:0,MTLS://127.0.0.1:0',
    tls: true,
    sasl: { mechanisms: ['PLAIN'], users: USERS },
    config: {
      'listener.security.protocol.map': 'SASL_PLAINTEXT:SASL_PLAINTEXT,MTLS:SSL',
      'listener.name.mtls.ssl.client.auth': 'required',
      'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      'super.users': 'User:admin',
      'auto.create.topics.enable': false,
    },
  });
  await asAdmin(async (admin) => {
    const topics = ['acl-orders', 'acl-secret', 'acl-denied', 'orders-eu', 'orders-us', 'payments', 'acl-group-topic', 'acl-txn', 'acl-restart', 'acl-mtls', 'acl-py', 'cli-orders-1'];
    await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: 1 })), waitForLeaders: true });
  });
}, 60_000);
afterAll(() => stopKafkas());

function client(username: string, extra: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    clientId: `acl-${username}`,
    brokers: kafka.bootstrapServersFor('SASL_PLAINTEXT'),
    sasl: { mechanism: 'plain', username, password: `${username}-secret` },
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    ...extra,
  });
}

async function asAdmin<T>(work: (admin: ReturnType<Kafka['admin']>) => Promise<T>, username = 'admin'): Promise<T> {
  const admin = client(username).admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

function acl(principal: string, resourceType: AclResourceTypes, resourceName: string, operation: AclOperationTypes, options: { prefixed?: boolean; deny?: boolean } = {}): AclEntry & { resourceType: AclResourceTypes; resourceName: string; resourcePatternType: ResourcePatternTypes } {
  return {
    resourceType,
    resourceName,
    resourcePatternType: options.prefixed ? ResourcePatternTypes.PREFIXED : ResourcePatternTypes.LITERAL,
    principal,
    host: '*',
    operation,
    permissionType: options.deny ? AclPermissionTypes.DENY : AclPermissionTypes.ALLOW,
  };
}

const grant = (...acls: Array<ReturnType<typeof acl>>) => asAdmin((admin) => admin.createAcls({ acl: acls }));

async function send(username: string, topic: string, extra: Partial<KafkaConfig> = {}): Promise<string> {
  const producer = client(username, extra).producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages: [{ value: 'v' }] });
    return 'ok';
  } catch (error) {
    return errorType(error);
  } finally {
    await producer.disconnect();
  }
}

/** The Kafka error name kafkajs reports (it wraps some errors in a retry or non-retriable error). */
function errorType(error: unknown): string {
  const e = error as { type?: string; cause?: unknown; originalError?: unknown; message?: string };
  if (e.type) return e.type;
  if (e.cause) return errorType(e.cause);
  if (e.originalError) return errorType(e.originalError);
  return e.message ?? String(error);
}

async function failure(work: Promise<unknown>): Promise<string> {
  try {
    await work;
    return 'ok';
  } catch (error) {
    return errorType(error);
  }
}

describe('ACL authorization with real clients', () => {
  it('the ACL APIs: super users create, describe and delete; others get CLUSTER_AUTHORIZATION_FAILED', async () => {
    const binding = acl('User:dave', AclResourceTypes.TOPIC, 'acl-api-topic', AclOperationTypes.READ);
    await grant(binding);
    const described = await asAdmin((admin) =>
      admin.describeAcls({ resourceType: AclResourceTypes.TOPIC, resourceName: 'acl-api-topic', resourcePatternType: ResourcePatternTypes.LITERAL, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY }),
    );
    expect(described.resources).toEqual([
      { resourceType: AclResourceTypes.TOPIC, resourceName: 'acl-api-topic', resourcePatternType: ResourcePatternTypes.LITERAL, acls: [{ principal: 'User:dave', host: '*', operation: AclOperationTypes.READ, permissionType: AclPermissionTypes.ALLOW }] },
    ]);
    expect(await failure(asAdmin((admin) => admin.createAcls({ acl: [binding] }), 'bob'))).toBe('CLUSTER_AUTHORIZATION_FAILED');
    const deleted = await asAdmin((admin) =>
      admin.deleteAcls({ filters: [{ resourceType: AclResourceTypes.TOPIC, resourceName: 'acl-api-topic', resourcePatternType: ResourcePatternTypes.ANY, principal: 'User:dave', operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY }] }),
    );
    expect(deleted.filterResponses[0]!.matchingAcls).toHaveLength(1);
    const after = await asAdmin((admin) => admin.describeAcls({ resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY, principal: 'User:dave', operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY }));
    expect(after.resources).toEqual([]);
  });

  it('a user with READ but no WRITE gets TOPIC_AUTHORIZATION_FAILED from kafkajs, librdkafka and kafka-python', async () => {
    await grant(acl('User:alice', AclResourceTypes.TOPIC, 'acl-orders', AclOperationTypes.READ), acl('User:alice', AclResourceTypes.TOPIC, 'acl-py', AclOperationTypes.READ));
    expect(await send('alice', 'acl-orders')).toBe('TOPIC_AUTHORIZATION_FAILED');
    const bootstrap = kafka.bootstrapServersFor('SASL_PLAINTEXT')[0]!;
    const produced = await kcat(['-b', bootstrap, '-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=PLAIN', '-X', 'sasl.username=alice', '-X', 'sasl.password=alice-secret', '-t', 'acl-py', '-P'], { input: 'one\n', timeoutMs: 20_000 });
    expect(produced.stderr).toMatch(/Topic authorization failed/i);
    const confluent = await python(SCRIPT, ['confluent', bootstrap, 'alice', 'alice-secret', 'acl-py'], { timeoutMs: 30_000 });
    expect(JSON.parse(confluent.stdout)).toEqual({ error: 'TOPIC_AUTHORIZATION_FAILED' });
    const kafkaPython = await python(SCRIPT, ['kafkapython', bootstrap, 'alice', 'alice-secret', 'acl-py'], { timeoutMs: 30_000 });
    expect(JSON.parse(kafkaPython.stdout)).toEqual({ error: 'TopicAuthorizationFailedError' });
    // With WRITE the same clients produce.
    await grant(acl('User:alice', AclResourceTypes.TOPIC, 'acl-py', AclOperationTypes.WRITE));
    expect(JSON.parse((await python(SCRIPT, ['kafkapython', bootstrap, 'alice', 'alice-secret', 'acl-py'], { timeoutMs: 30_000 })).stdout)).toEqual({ ok: true });
  }, 90_000);

  it('a PREFIXED ALLOW grants a family of topics and nothing else', async () => {
    await grant(acl('User:carol', AclResourceTypes.TOPIC, 'orders-', AclOperationTypes.WRITE, { prefixed: true }));
    expect(await send('carol', 'orders-eu')).toBe('ok');
    expect(await send('carol', 'orders-us')).toBe('ok');
    expect(await send('carol', 'payments')).toBe('TOPIC_AUTHORIZATION_FAILED');
  });

  it('DENY overrides ALLOW', async () => {
    await grant(acl('User:*', AclResourceTypes.TOPIC, 'acl-denied', AclOperationTypes.ALL), acl('User:bob', AclResourceTypes.TOPIC, 'acl-denied', AclOperationTypes.WRITE, { deny: true }));
    expect(await send('carol', 'acl-denied')).toBe('ok');
    expect(await send('bob', 'acl-denied')).toBe('TOPIC_AUTHORIZATION_FAILED');
  });

  it('super.users bypass every check, with no ACL naming them', async () => {
    expect(await send('admin', 'acl-secret')).toBe('ok');
  });

  it('Metadata hides the topics a user may not describe, and names them as unauthorized when asked for', async () => {
    await grant(acl('User:bob', AclResourceTypes.TOPIC, 'acl-orders', AclOperationTypes.DESCRIBE));
    const listed = await asAdmin((admin) => admin.listTopics(), 'bob');
    expect(listed).toContain('acl-orders');
    expect(listed).toContain('acl-denied'); // User:* ALL
    expect(listed).not.toContain('acl-secret');
    expect(listed).not.toContain('payments');
    expect(await failure(asAdmin((admin) => admin.fetchTopicMetadata({ topics: ['acl-secret'] }), 'bob'))).toBe('TOPIC_AUTHORIZATION_FAILED');
    // The same answer for a topic that does not exist.
    expect(await failure(asAdmin((admin) => admin.fetchTopicMetadata({ topics: ['no-such-topic'] }), 'bob'))).toBe('TOPIC_AUTHORIZATION_FAILED');
  });

  it('a consumer group needs READ on the group', async () => {
    await grant(acl('User:carol', AclResourceTypes.TOPIC, 'acl-group-topic', AclOperationTypes.READ));
    await send('admin', 'acl-group-topic');
    const denied = client('carol').consumer({ groupId: 'acl-group' });
    await denied.connect();
    await denied.subscribe({ topic: 'acl-group-topic', fromBeginning: true });
    const crashed = new Promise<unknown>((resolve) => denied.on(denied.events.CRASH, (event) => resolve(event.payload.error)));
    await denied.run({ eachMessage: async () => undefined });
    // FindCoordinator needs DESCRIBE on the group: kafkajs reports its GROUP_AUTHORIZATION_FAILED so.
    expect(errorType(await crashed)).toBe('Failed to find group coordinator');
    await denied.disconnect();

    // DESCRIBE finds the coordinator; joining needs READ.
    await grant(acl('User:carol', AclResourceTypes.GROUP, 'acl-group', AclOperationTypes.DESCRIBE));
    const describer = client('carol').consumer({ groupId: 'acl-group' });
    await describer.connect();
    await describer.subscribe({ topic: 'acl-group-topic', fromBeginning: true });
    const joinFailed = new Promise<unknown>((resolve) => describer.on(describer.events.CRASH, (event) => resolve(event.payload.error)));
    await describer.run({ eachMessage: async () => undefined });
    expect(errorType(await joinFailed)).toBe('GROUP_AUTHORIZATION_FAILED');
    await describer.disconnect();

    await grant(acl('User:carol', AclResourceTypes.GROUP, 'acl-group', AclOperationTypes.READ));
    const allowed = client('carol').consumer({ groupId: 'acl-group' });
    await allowed.connect();
    await allowed.subscribe({ topic: 'acl-group-topic', fromBeginning: true });
    const value = await new Promise<string>((resolve) => void allowed.run({ eachMessage: async ({ message }) => resolve(message.value!.toString()) }));
    expect(value).toBe('v');
    await allowed.disconnect();
  }, 60_000);

  it('a transactional producer needs WRITE on its transactional id', async () => {
    await grant(acl('User:carol', AclResourceTypes.TOPIC, 'acl-txn', AclOperationTypes.WRITE));
    const producer = () => client('carol', { retry: { retries: 1 } }).producer({ transactionalId: 'acl-tx', idempotent: true, maxInFlightRequests: 1 });
    // Without DESCRIBE on the id FindCoordinator fails, which kafkajs reports as no coordinator.
    const unknown = producer();
    await unknown.connect();
    expect(await failure(unknown.transaction())).toBe('Failed to find group coordinator');
    await unknown.disconnect();
    // DESCRIBE finds the coordinator; InitProducerId needs WRITE.
    await grant(acl('User:carol', AclResourceTypes.TRANSACTIONAL_ID, 'acl-tx', AclOperationTypes.DESCRIBE));
    const denied = producer();
    await denied.connect();
    expect(await failure(denied.transaction())).toBe('TRANSACTIONAL_ID_AUTHORIZATION_FAILED');
    await denied.disconnect();

    await grant(acl('User:carol', AclResourceTypes.TRANSACTIONAL_ID, 'acl-tx', AclOperationTypes.WRITE));
    const allowed = producer();
    await allowed.connect();
    const txn = await allowed.transaction();
    await txn.send({ topic: 'acl-txn', messages: [{ value: 'in a transaction' }] });
    await txn.commit();
    await allowed.disconnect();
  }, 60_000);

  it('a client certificate is the principal that ACLs match (mutual TLS)', async () => {
    const viaCertificate = new Kafka({
      clientId: 'acl-mtls',
      brokers: kafka.bootstrapServersFor('MTLS'),
      ssl: { ca: [kafka.tls!.ca], cert: kafka.tls!.client.cert, key: kafka.tls!.client.key },
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    });
    const producer = viaCertificate.producer();
    await producer.connect();
    expect(await failure(producer.send({ topic: 'acl-mtls', messages: [{ value: 'v' }] }))).toBe('TOPIC_AUTHORIZATION_FAILED');
    await grant(acl('User:CN=client,O=Streamwright', AclResourceTypes.TOPIC, 'acl-mtls', AclOperationTypes.WRITE));
    await producer.send({ topic: 'acl-mtls', messages: [{ value: 'v' }] });
    await producer.disconnect();
  });

  it('ACLs survive a restart', async () => {
    await grant(acl('User:bob', AclResourceTypes.TOPIC, 'acl-restart', AclOperationTypes.WRITE));
    expect(await send('bob', 'acl-restart')).toBe('ok');
    await kafka.broker().restart();
    const described = await asAdmin((admin) =>
      admin.describeAcls({ resourceType: AclResourceTypes.TOPIC, resourceName: 'acl-restart', resourcePatternType: ResourcePatternTypes.LITERAL, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY }),
    );
    expect(described.resources[0]!.acls).toEqual([{ principal: 'User:bob', host: '*', operation: AclOperationTypes.WRITE, permissionType: AclPermissionTypes.ALLOW }]);
    expect(await send('bob', 'acl-restart')).toBe('ok');
    expect(await send('bob', 'payments')).toBe('TOPIC_AUTHORIZATION_FAILED');
  }, 60_000);

  it('Metadata v9 and DescribeCluster fill in the authorized-operations bit sets when asked (KIP-430)', async () => {
    const operationsOf = async (username: string) => {
      const client = await ClusterClient.connect({ bootstrapServers: kafka.bootstrapServersFor('SASL_PLAINTEXT'), sasl: { mechanism: 'PLAIN', username, password: `${username}-secret` } });
      try {
        const connection = await client.anyConnection();
        const metadata = await connection.request(ApiKeys.Metadata, 9, { topics: [{ topicId: ZERO_UUID, name: 'acl-orders' }], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: true, includeTopicAuthorizedOperations: true });
        const cluster = await connection.request(ApiKeys.DescribeCluster, 0, { includeClusterAuthorizedOperations: true, endpointType: 1 });
        const unasked = await connection.request(ApiKeys.DescribeCluster, 0, { includeClusterAuthorizedOperations: false, endpointType: 1 });
        return { topic: metadata.topics[0]!.topicAuthorizedOperations, cluster: metadata.clusterAuthorizedOperations, describeCluster: cluster.clusterAuthorizedOperations, unasked: unasked.clusterAuthorizedOperations };
      } finally {
        client.close();
      }
    };
    await grant(acl('User:alice', AclResourceTypes.TOPIC, 'acl-orders', AclOperationTypes.READ));
    // READ (bit 3) and the DESCRIBE (bit 8) it implies; no DESCRIBE on the cluster, so 0 there.
    expect(await operationsOf('alice')).toEqual({ topic: (1 << 3) | (1 << 8), cluster: 0, describeCluster: 0, unasked: -2147483648 });
    // A super user: every topic operation (3576) and every cluster operation (8096).
    expect(await operationsOf('admin')).toEqual({ topic: 3576, cluster: 8096, describeCluster: 8096, unasked: -2147483648 });
  });

  it('the client-quota APIs need DESCRIBE_CONFIGS and ALTER_CONFIGS on the cluster', async () => {
    const quotaCalls = async (username: string) => {
      const client = await ClusterClient.connect({ bootstrapServers: kafka.bootstrapServersFor('SASL_PLAINTEXT'), sasl: { mechanism: 'PLAIN', username, password: `${username}-secret` } });
      try {
        const connection = await client.anyConnection();
        const entity = [{ entityType: 'client-id', entityName: `quota-${username}` }];
        const altered = await connection.request(ApiKeys.AlterClientQuotas, 1, { entries: [{ entity, ops: [{ key: 'producer_byte_rate', value: 1024, remove: false }] }], validateOnly: false });
        const described = await connection.request(ApiKeys.DescribeClientQuotas, 1, { components: [{ entityType: 'client-id', matchType: 0, match: `quota-${username}` }], strict: false });
        return { alter: altered.entries[0]!.errorCode, describe: described.errorCode, entries: described.entries?.length ?? null };
      } finally {
        client.close();
      }
    };
    // CLUSTER_AUTHORIZATION_FAILED (31) for a user without cluster ACLs; nothing is stored.
    expect(await quotaCalls('carol')).toEqual({ alter: 31, describe: 31, entries: null });
    await grant(acl('User:carol', AclResourceTypes.CLUSTER, 'kafka-cluster', AclOperationTypes.DESCRIBE_CONFIGS));
    expect(await quotaCalls('carol')).toEqual({ alter: 31, describe: 0, entries: 0 });
    await grant(acl('User:carol', AclResourceTypes.CLUSTER, 'kafka-cluster', AclOperationTypes.ALTER_CONFIGS));
    expect(await quotaCalls('carol')).toEqual({ alter: 0, describe: 0, entries: 1 });
  });

  it('streamwright acls adds, lists and removes ACLs as kafka-acls.sh, authenticating with --command-config', async () => {
    const config = join(tempDir(), 'admin.properties');
    writeFileSync(config, 'security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\nsasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret";\n');
    const bootstrap = kafka.bootstrapServersFor('SASL_PLAINTEXT')[0]!;
    const base = ['--bootstrap-server', bootstrap, '--command-config', config];
    expect(await send('bob', 'cli-orders-1')).toBe('TOPIC_AUTHORIZATION_FAILED');
    const added = await cli(['acls', ...base, '--add', '--allow-principal', 'User:bob', '--operation', 'Write', '--operation', 'Describe', '--topic', 'cli-orders-', '--resource-pattern-type', 'prefixed']);
    expect(added.code).toBe(0);
    expect(added.stdout).toContain('Adding ACLs for resource `ResourcePattern(resourceType=TOPIC, name=cli-orders-, patternType=PREFIXED)`: \n \t(principal=User:bob, host=*, operation=WRITE, permissionType=ALLOW) \n');
    expect(added.stdout).toContain('Current ACLs for resource `ResourcePattern(resourceType=TOPIC, name=cli-orders-, patternType=PREFIXED)`');
    expect(await send('bob', 'cli-orders-1')).toBe('ok');
    const listed = await cli(['acls', ...base, '--list', '--principal', 'User:bob']);
    expect(listed.stdout).toContain('(principal=User:bob, host=*, operation=DESCRIBE, permissionType=ALLOW)');
    const removed = await cli(['acls', ...base, '--remove', '--force', '--topic', 'cli-orders-', '--resource-pattern-type', 'prefixed']);
    expect(removed.code).toBe(0);
    expect(await send('bob', 'cli-orders-1')).toBe('TOPIC_AUTHORIZATION_FAILED');
    // A user without ALTER on the cluster gets Kafka's error.
    const bobConfig = join(tempDir(), 'bob.properties');
    writeFileSync(bobConfig, 'security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\nsasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="bob" password="bob-secret";\n');
    const refused = await cli(['acls', '--bootstrap-server', bootstrap, '--command-config', bobConfig, '--add', '--allow-principal', 'User:bob', '--operation', 'All', '--topic', '*']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('CLUSTER_AUTHORIZATION_FAILED');
  }, 60_000);
});

describe('ACLs in a cluster', () => {
  it('every broker enforces the same ACLs; replication runs as the inter-broker principal in super.users', async () => {
    const cluster = await startKafka({
      brokers: 2,
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
      sasl: { mechanisms: ['PLAIN'], users: USERS },
      config: {
        'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer',
        // The inter-broker listener is PLAINTEXT: followers fetch as User:ANONYMOUS.
        'super.users': 'User:admin;User:ANONYMOUS',
        'inter.broker.listener.name': 'PLAINTEXT',
      },
    });
    const on = (nodeId: number, username: string) =>
      new Kafka({ clientId: `acl-cluster-${username}`, brokers: cluster.bootstrapServersFor('SASL_PLAINTEXT').slice(nodeId, nodeId + 1), sasl: { mechanism: 'plain', username, password: `${username}-secret` }, logLevel: logLevel.NOTHING, retry: { retries: 2 } });
    const admin = on(0, 'admin').admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'acl-replicated', numPartitions: 2, replicationFactor: 2 }], waitForLeaders: true });
    await admin.createAcls({ acl: [acl('User:alice', AclResourceTypes.TOPIC, 'acl-replicated', AclOperationTypes.WRITE)] });
    await admin.disconnect();
    for (const nodeId of [0, 1]) {
      const producer = on(nodeId, 'alice').producer();
      await producer.connect();
      await producer.send({ topic: 'acl-replicated', acks: -1, messages: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }] });
      await producer.disconnect();
      const bobs = on(nodeId, 'bob').producer();
      await bobs.connect();
      expect(await failure(bobs.send({ topic: 'acl-replicated', messages: [{ value: 'x' }] }))).toBe('TOPIC_AUTHORIZATION_FAILED');
      await bobs.disconnect();
    }
  }, 60_000);
});
