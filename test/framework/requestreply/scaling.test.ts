/**
 * Several application instances, each with a ReplyingKafkaTemplate on the same reply topic and
 * a responder in one shared group: every request is answered to the instance that sent it,
 * also while an instance joins and another leaves (the responders' group rebalances, and the
 * reply topic is read by a changing set of instances). Plus the pinned-partition mode.
 */
import { injectable } from 'inversify';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import {
  ConsumerPartitionsAssignedEvent,
  Header,
  KafkaAdmin,
  KafkaApplication,
  KafkaHeaders,
  KafkaListener,
  ReplyingKafkaTemplate,
  SendTo,
  TopicBuilder,
  type ContainerConsumer,
  type ReplyingTemplateConfig,
} from '../../../src/index.js';
import { KafkaTestUtils } from '../../../src/testing/index.js';
import { FAST_CONSUMER, kafkaConfig, startBroker } from '../support/framework-harness.js';
import { CapturingLogger } from './support/capturing-logger.js';
import { waitFor } from '../../support/wait-for.js';

class Ping {
  id!: string;
  from!: string;
}

class Pong {
  id!: string;
  from!: string;
  servedBy!: string;
}

@injectable()
class PingResponder {
  @KafkaListener({ id: 'ping', topics: ['ping'], groupId: 'ping-responders' })
  @SendTo()
  async pong(ping: Ping, @Header(KafkaHeaders.CONSUMER) consumer: ContainerConsumer): Promise<Pong> {
    await new Promise((resolve) => setTimeout(resolve, 2));
    return Object.assign(new Pong(), { id: ping.id, from: ping.from, servedBy: consumer.clientId });
  }
}

let kafka: EmbeddedKafka;
const apps: KafkaApplication[] = [];

async function startInstance(name: string, replyingTemplate: ReplyingTemplateConfig, logger = new CapturingLogger()): Promise<{ name: string; app: KafkaApplication; logger: CapturingLogger }> {
  const app = await KafkaApplication.create({
    kafka: kafkaConfig(kafka, { clientId: `instance-${name}` }),
    listeners: [PingResponder],
    topics: [
      TopicBuilder.name('ping').partitions(6).replicas(1).build(),
      TopicBuilder.name('ping-replies').partitions(3).replicas(1).build(),
      TopicBuilder.name('pinned-replies').partitions(2).replicas(1).build(),
      TopicBuilder.name('rebalanced-replies').partitions(1).replicas(1).build(),
    ],
    consumerConfig: FAST_CONSUMER,
    replyingTemplate,
    logger,
  });
  apps.push(app);
  await app.start();
  return { name, app, logger };
}

/** Keeps `window` requests in flight from one instance until told to stop; records what came back. */
class RequestLoop {
  readonly sent: string[] = [];
  readonly answered: Pong[] = [];
  readonly failures: unknown[] = [];
  private stopped = false;
  private readonly done: Promise<void>;

  constructor(
    readonly name: string,
    private readonly template: ReplyingKafkaTemplate,
    window: number,
  ) {
    this.done = Promise.all(Array.from({ length: window }, () => this.worker())).then(() => undefined);
  }

  stop(): Promise<void> {
    this.stopped = true;
    return this.done;
  }

  private async worker(): Promise<void> {
    while (!this.stopped) {
      const id = `${this.name}-${this.sent.length}`;
      this.sent.push(id);
      try {
        const reply = await this.template.sendAndReceive({ topic: 'ping', key: id, value: Object.assign(new Ping(), { id, from: this.name }) }, { replyType: Pong, timeoutMs: 30_000 });
        this.answered.push(reply.value as Pong);
      } catch (error) {
        this.failures.push(error);
      }
    }
  }
}

beforeAll(async () => {
  kafka = await startBroker();
});
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.stop()));
});
afterAll(async () => {
  await kafka?.stop();
});

test('three instances on one reply topic, one joining and one leaving mid-flight: every reply reaches its sender', async () => {
  const shared: ReplyingTemplateConfig = { replyTopic: 'ping-replies' };
  const [a, b, c] = await Promise.all(['A', 'B', 'C'].map((name) => startInstance(name, shared)));
  const loops = new Map([a!, b!, c!].map((i) => [i.name, new RequestLoop(i.name, i.app.get(ReplyingKafkaTemplate), 5)]));
  const answered = (name: string) => loops.get(name)!.answered.length;
  await waitFor(() => [...loops.keys()].every((name) => answered(name) >= 50), { what: '50 answers per instance', timeoutMs: 30_000 });

  // D joins: the responders' group rebalances while A, B and C have requests in flight.
  const d = await startInstance('D', shared);
  loops.set('D', new RequestLoop('D', d.app.get(ReplyingKafkaTemplate), 5));
  const beforeLeave = { A: answered('A'), B: answered('B') };
  await waitFor(() => answered('D') >= 50 && answered('A') >= beforeLeave.A + 50, { what: 'traffic after the join', timeoutMs: 30_000 });

  // C leaves: it finishes its own requests, then stops while A, B and D keep sending.
  await loops.get('C')!.stop();
  const inFlightWhenCLeft = ['A', 'B', 'D'].map((name) => loops.get(name)!.sent.length - answered(name) - loops.get(name)!.failures.length);
  await c!.app.stop();
  const afterLeave = { A: answered('A'), B: answered('B'), D: answered('D') };
  await waitFor(() => answered('A') >= afterLeave.A + 50 && answered('B') >= afterLeave.B + 50 && answered('D') >= afterLeave.D + 50, { what: 'traffic after the leave', timeoutMs: 30_000 });
  for (const name of ['A', 'B', 'D']) await loops.get(name)!.stop();

  // Requests really were in flight across the leave.
  expect(inFlightWhenCLeft.every((n) => n > 0)).toBe(true);
  for (const [name, loop] of loops) {
    expect(loop.failures, `failures of ${name}`).toEqual([]);
    // Every request answered, exactly once, and only with replies to this instance's own requests.
    expect(loop.answered.map((pong) => pong.id).sort()).toEqual([...loop.sent].sort());
    expect(loop.answered.every((pong) => pong.from === name)).toBe(true);
  }
  // The reply topic really was shared: each instance saw (and dropped) the others' replies.
  for (const instance of [a!, b!, d]) expect(instance.logger.matching('debug', /another client's/).length).toBeGreaterThan(0);
  // D's responder really took partitions over mid-flight.
  expect(d.app.listenerContainer('ping').assignments().length).toBeGreaterThan(0);
  // Each instance's reply group is its own: it still reads every partition of the reply topic.
  for (const instance of [a!, b!, d]) expect(instance.app.get(ReplyingKafkaTemplate).getAssignedReplyTopicPartitions()).toHaveLength(3);
}, 120_000);

test('pinned reply partitions: each instance reads only its own partition and gets its replies there', async () => {
  const first = await startInstance('P0', { replyTopic: 'pinned-replies', replyPartition: 0 });
  const second = await startInstance('P1', { replyTopic: 'pinned-replies', replyPartition: 1 });
  for (const [instance, partition] of [
    [first, 0],
    [second, 1],
  ] as const) {
    const template = instance.app.get(ReplyingKafkaTemplate);
    expect(template.getAssignedReplyTopicPartitions()).toEqual([{ topic: 'pinned-replies', partition }]);
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => template.sendAndReceive({ topic: 'ping', key: `${instance.name}-${i}`, value: { id: `${instance.name}-${i}`, from: instance.name } }, { replyType: Pong })),
    );
    expect(replies.every((reply) => reply.partition === partition && reply.topic === 'pinned-replies')).toBe(true);
    expect(replies.map((reply) => reply.value!.from)).toEqual(Array(20).fill(instance.name));
  }
  // Nobody read anyone else's replies.
  for (const instance of [first, second]) expect(instance.logger.matching('debug', /another client's/)).toEqual([]);
}, 60_000);

test('a rebalance of the reply group itself loses no reply, even before the first reply was read', async () => {
  // metadataMaxAge: the reply consumer notices the added partition quickly and rejoins its group.
  const instance = await startInstance('R', { replyTopic: 'rebalanced-replies', consumerConfig: { metadataMaxAge: 100 } });
  const template = instance.app.get(ReplyingKafkaTemplate);
  const replyGroup = template.replyContainer.groupId;
  let assignments = 0;
  instance.app.on(ConsumerPartitionsAssignedEvent, (event) => {
    if ((event.container as { groupId?: string }).groupId === replyGroup) assignments++;
  });

  // Replies pile up unread (nothing committed yet), then the reply group rebalances: kafkajs
  // would restart the partition at 'latest' and skip them; the template seeks back instead.
  template.replyContainer.pause();
  const requests = Array.from({ length: 20 }, (_, i) => template.sendAndReceive({ topic: 'ping', key: `r-${i}`, value: { id: `r-${i}`, from: 'R' } }, { replyType: Pong, timeoutMs: 60_000 }));
  await waitFor(async () => (await KafkaTestUtils.getEndOffsets(kafkaConfig(kafka), 'rebalanced-replies')).get(0)! >= 20, { what: 'the 20 replies to be written', timeoutMs: 30_000 });
  await instance.app.get(KafkaAdmin).withAdmin((admin) => admin.createPartitions({ topicPartitions: [{ topic: 'rebalanced-replies', count: 2 }] }));
  await waitFor(() => assignments >= 1 && template.getAssignedReplyTopicPartitions().length === 2, { what: 'the reply group to rebalance onto 2 partitions', timeoutMs: 30_000 });
  template.replyContainer.resume();

  const replies = await Promise.all(requests);
  expect(replies.map((reply) => reply.value!.id)).toEqual(Array.from({ length: 20 }, (_, i) => `r-${i}`));
}, 90_000);
