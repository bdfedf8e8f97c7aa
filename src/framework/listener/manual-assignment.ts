import kafkajs, { type PartitionAssigner } from 'kafkajs';
import { parseConsumerOverrides, type ConsumerSettings, type KafkaConsumerOverrides } from '../core/consumer-config.js';
import type { Logger } from '../support/logger.js';
import type { TopicPartition } from '../support/topic-partition.js';

// Node's ESM loader only sees some of kafkajs' CommonJS exports by name; this one comes from the default export.
const { AssignerProtocol } = kafkajs;

const PROTOCOL = 'StreamwrightManualAssignment';
const VERSION = 0;

/**
 * Manual assignment over kafkajs, which has no `assign()`: the consumer still joins its group
 * (`group.id`), but this assigner gives every member exactly the partitions it asked for (sent
 * in its join metadata), with no balancing, which is what `KafkaConsumer.assign()` means.
 *
 * So, as in Spring, offsets are committed to `group.id` and `relativeToCurrent` starts from
 * them; several instances listing the same partitions each receive them. The group must be
 * used only by manually assigned consumers: a member that subscribes normally offers another
 * protocol and the broker refuses the join (INCONSISTENT_GROUP_PROTOCOL).
 */
export function manualAssignmentAssigner(requested: readonly TopicPartition[], logger: Logger): PartitionAssigner {
  const userData = Buffer.from(JSON.stringify(requested.map(({ topic, partition }) => [topic, partition])));
  return () => ({
    name: PROTOCOL,
    version: VERSION,
    async assign({ members }) {
      return members.map((member) => {
        const assignment: Record<string, number[]> = {};
        try {
          const metadata = AssignerProtocol.MemberMetadata.decode(member.memberMetadata);
          for (const [topic, partition] of JSON.parse(metadata?.userData.toString('utf8') ?? '[]') as [string, number][]) (assignment[topic] ??= []).push(partition);
        } catch (error) {
          logger.error(`Member ${member.memberId} sent unreadable manual-assignment metadata; it gets no partitions`, error);
        }
        return { memberId: member.memberId, memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: VERSION, assignment, userData: Buffer.alloc(0) }) };
      });
    },
    protocol({ topics }) {
      return { name: PROTOCOL, metadata: AssignerProtocol.MemberMetadata.encode({ version: VERSION, topics, userData }) };
    },
  });
}

/** The consumer settings of a manually assigned container: its own, plus the assigner. */
export function manualAssignmentOverrides(overrides: KafkaConsumerOverrides, requested: readonly TopicPartition[], logger: Logger): ConsumerSettings {
  return { ...parseConsumerOverrides(overrides, logger), partitionAssigners: [manualAssignmentAssigner(requested, logger)] };
}
