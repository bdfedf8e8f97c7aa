// The cluster kafkajs 2.2.4's own integration suite expects (its docker-compose files and
// testHelpers): brokers 0-2, each with a PLAINTEXT, an SSL and a SASL_SSL listener, the SASL
// users its specs log in with, an ACL authorizer that allows everything no ACL denies.
import type { EmbeddedKafkaOptions } from '../../broker/embedded-kafka.js';

/** The listeners in the order the suite numbers its ports: base, base+1, base+2 on broker 0. */
export const KAFKAJS_SUITE_LISTENERS = ['PLAINTEXT', 'SSL', 'SASL_SSL'] as const;

/** The suite's default base port: PLAINTEXT 9092/9095/9098, SSL 9093/9096/9099, SASL_SSL 9094/9097/9100. */
export const KAFKAJS_SUITE_BASE_PORT = 9092;

/**
 * The suite's users: PLAIN `test` (every SASL spec), `bob` and `alice` (the ACL specs), and
 * `testscram` with a different password per SCRAM mechanism (8192 iterations for SHA-256, as
 * its createScramCredentials script sets).
 */
export const KAFKAJS_SUITE_USERS = [
  { username: 'test', password: 'testtest', mechanisms: ['PLAIN'] },
  { username: 'bob', password: 'bobbob', mechanisms: ['PLAIN'] },
  { username: 'alice', password: 'alicealice', mechanisms: ['PLAIN'] },
  { username: 'testscram', password: 'testtestscram=256', mechanisms: ['SCRAM-SHA-256'], iterations: 8192 },
  { username: 'testscram', password: 'testtestscram=512', mechanisms: ['SCRAM-SHA-512'], iterations: 4096 },
];

/**
 * EmbeddedKafka options for the suite's cluster with broker 0's PLAINTEXT listener on
 * `basePort` (0: every listener on a free port). A cluster moves fixed ports up by the number
 * of listeners per broker, so broker i listens on basePort + 3i, + 3i + 1 and + 3i + 2.
 * TLS uses a throwaway certificate: the suite connects with `rejectUnauthorized: false`.
 */
export function kafkajsSuiteOptions(basePort: number = KAFKAJS_SUITE_BASE_PORT): EmbeddedKafkaOptions {
  const port = (offset: number) => (basePort === 0 ? 0 : basePort + offset);
  return {
    brokers: 3,
    nodeIds: [0, 1, 2],
    listeners: KAFKAJS_SUITE_LISTENERS.map((name, i) => `${name}://:${port(i)}`).join(','),
    tls: true,
    sasl: { mechanisms: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'], users: KAFKAJS_SUITE_USERS.map((u) => ({ ...u })) },
    config: {
      'inter.broker.listener.name': 'PLAINTEXT',
      'num.partitions': 2,
      'default.replication.factor': 2,
      'group.initial.rebalance.delay.ms': 0,
      'auto.create.topics.enable': true,
      'delete.topic.enable': true,
      // The suite's SimpleAclAuthorizer with allow.everyone.if.no.acl.found=true and no super users.
      'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      'allow.everyone.if.no.acl.found': true,
    },
  };
}
