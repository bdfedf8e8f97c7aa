/**
 * EmbeddedKafka.start({ topics }) on brokers whose only listener needs SASL: the declared
 * topics are created through that listener with a user of `sasl.users` (PLAIN, or SCRAM when
 * the user has only SCRAM; over TLS for SASL_SSL), and a user with no usable mechanism is a
 * clear error before any test runs.
 */
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import { expect, test } from 'vitest';
import { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';

/** The partitions of each topic, as a kafkajs client of the listener sees them. */
async function partitionsSeenBy(kafka: EmbeddedKafka, listener: string, sasl: SASLOptions, topics: string[]): Promise<Record<string, number>> {
  const admin = new Kafka({
    brokers: kafka.bootstrapServersFor(listener),
    logLevel: logLevel.NOTHING,
    sasl,
    ...(kafka.tls ? { ssl: { ca: [kafka.tls.ca] } } : {}),
  }).admin();
  await admin.connect();
  try {
    const { topics: found } = await admin.fetchTopicMetadata({ topics });
    return Object.fromEntries(found.map((t) => [t.name, t.partitions.length]));
  } finally {
    await admin.disconnect();
  }
}

test('topics are created through a SASL_PLAINTEXT-only broker with a PLAIN user', async () => {
  const kafka = await EmbeddedKafka.start({ sasl: { users: [{ username: 'admin', password: 'admin-secret' }] }, topics: ['orders', { name: 'invoices', partitions: 3 }], partitions: 2 });
  try {
    expect(kafka.bootstrapServersFor('SASL_PLAINTEXT')).toEqual(kafka.bootstrapServers);
    expect(await partitionsSeenBy(kafka, 'SASL_PLAINTEXT', { mechanism: 'plain', username: 'admin', password: 'admin-secret' }, ['orders', 'invoices'])).toEqual({ orders: 2, invoices: 3 });
  } finally {
    await kafka.stop();
  }
});

test('a user with only SCRAM creates them with SCRAM, over SASL_SSL', async () => {
  const kafka = await EmbeddedKafka.start({
    tls: true,
    sasl: { mechanisms: ['SCRAM-SHA-512'], users: [{ username: 'scrammer', password: 'pa=ss,word', mechanisms: ['SCRAM-SHA-512'] }] },
    topics: [{ name: 'audit', partitions: 4, config: { 'cleanup.policy': 'compact' } }],
  });
  try {
    expect(await partitionsSeenBy(kafka, 'SASL_SSL', { mechanism: 'scram-sha-512', username: 'scrammer', password: 'pa=ss,word' }, ['audit'])).toEqual({ audit: 4 });
  } finally {
    await kafka.stop();
  }
});

test('without a user for the SASL listener, start() says so', async () => {
  const error = await EmbeddedKafka.start({ sasl: { users: [] }, topics: ['orders'] }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(Error);
  expect((error as Error).message).toMatch(/topics cannot be created through listener SASL_PLAINTEXT: it needs SASL, and no user of sasl.users has one of the mechanisms PLAIN, SCRAM-SHA-256, SCRAM-SHA-512/);
});
