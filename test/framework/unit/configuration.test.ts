import 'reflect-metadata';
import { describe, expect, test } from 'vitest';
import { KafkaListener } from '../../../src/framework/annotation/kafka-listener.js';
import { Header, Headers } from '../../../src/framework/annotation/header.js';
import { Payload } from '../../../src/framework/annotation/payload.js';
import { TopicBuilder } from '../../../src/framework/config/topic-builder.js';
import { parseConsumerOverrides } from '../../../src/framework/core/consumer-config.js';
import { resolveHandlerParameters } from '../../../src/framework/listener/adapter/handler-parameters.js';
import { ContainerProperties } from '../../../src/framework/listener/container-properties.js';
import { Acknowledgment } from '../../../src/framework/support/acknowledgment.js';
import { ConsumerRecord } from '../../../src/framework/support/consumer-record.js';
import { ConsumerRecords } from '../../../src/framework/support/consumer-records.js';
import { KafkaHeaders } from '../../../src/framework/support/kafka-headers.js';
import { silentLogger } from '../../../src/framework/support/logger.js';

class Dto {
  id!: string;
}

class Listeners {
  @KafkaListener({ topics: ['a'] })
  byType(record: ConsumerRecord, ack: Acknowledgment, payload: Dto) {
    return [record, ack, payload];
  }

  @KafkaListener({ topics: ['a'] })
  decorated(@Header(KafkaHeaders.RECEIVED_KEY) key: string, @Payload() dto: Dto, @Headers() all: object) {
    return [key, dto, all];
  }

  @KafkaListener({ topics: ['a'] })
  ambiguous(a: Dto, b: Dto) {
    return [a, b];
  }

  @KafkaListener({ topics: ['a'], batch: true })
  batch(@Payload({ type: Dto }) dtos: Dto[], records: ConsumerRecords) {
    return [dtos, records];
  }
}

describe('listener parameter resolution (design:paramtypes from Oxc)', () => {
  test('ConsumerRecord and Acknowledgment by type; the rest is the payload', () => {
    const params = resolveHandlerParameters(Listeners.prototype, 'byType', 'Listeners.byType', false);
    expect(params.map((p) => p.kind)).toEqual(['record', 'acknowledgment', 'payload']);
    expect(params[2]).toMatchObject({ target: Dto });
  });

  test('decorators win over types', () => {
    const params = resolveHandlerParameters(Listeners.prototype, 'decorated', 'Listeners.decorated', false);
    expect(params.map((p) => p.kind)).toEqual(['header', 'payload', 'headers']);
    expect(params[0]).toMatchObject({ name: KafkaHeaders.RECEIVED_KEY, target: String });
  });

  test('two payload candidates are reported at start-up', () => {
    expect(() => resolveHandlerParameters(Listeners.prototype, 'ambiguous', 'Listeners.ambiguous', false)).toThrow(/could each be the payload/);
  });

  test('batch: element type from @Payload, ConsumerRecords by type', () => {
    const params = resolveHandlerParameters(Listeners.prototype, 'batch', 'Listeners.batch', true);
    expect(params).toMatchObject([{ kind: 'payload', target: Array, elementType: Dto }, { kind: 'records' }]);
  });

  test('a ConsumerRecord parameter in a batch listener is reported', () => {
    expect(() => resolveHandlerParameters(Listeners.prototype, 'byType', 'Listeners.byType', true)).toThrow(/ConsumerRecords/);
  });
});

describe('configuration objects', () => {
  test('TopicBuilder', () => {
    const topic = TopicBuilder.name('orders').partitions(6).replicas(1).config('retention.ms', 60000).compact().build();
    expect(topic).toEqual({ name: 'orders', numPartitions: 6, replicationFactor: 1, replicasAssignments: undefined, configs: { 'retention.ms': '60000', 'cleanup.policy': 'compact' } });
    expect(TopicBuilder.name('x').partitions(-2).build().numPartitions).toBeUndefined();
  });

  test('Kafka property strings map to kafkajs settings; unknown ones are ignored', () => {
    expect(parseConsumerOverrides(['session.timeout.ms=7000', 'fetch.max.wait.ms: 50', 'isolation.level read_uncommitted', 'auto.offset.reset=latest', 'bogus=1', 'heartbeat.interval.ms=abc'], silentLogger)).toEqual({
      sessionTimeout: 7000,
      maxWaitTimeInMs: 50,
      readUncommitted: true,
      autoOffsetReset: 'latest',
    });
  });

  test('ContainerProperties has Spring defaults and rejects nonsense', () => {
    const props = new ContainerProperties();
    expect(props).toMatchObject({ ackMode: 'BATCH', ackCount: 1, ackTime: 5000, syncCommits: true, shutdownTimeout: 10000 });
    expect(new ContainerProperties({ ackCount: -3, ackTime: Number.NaN })).toMatchObject({ ackCount: 1, ackTime: 5000 });
    expect(() => new ContainerProperties({ ackMode: 'SOMETIMES' as never })).toThrow(/Unknown ackMode/);
  });
});
