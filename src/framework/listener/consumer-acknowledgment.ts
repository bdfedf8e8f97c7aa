import { Acknowledgment } from '../support/acknowledgment.js';
import type { ConsumerRecord } from '../support/consumer-record.js';
import type { Logger } from '../support/logger.js';
import { AckMode } from './ack-mode.js';
import type { AckHandler } from './ack-handler.js';

/** A nack the listener asked for: redeliver from `index` after `sleep` ms. */
export interface NackRequest {
  readonly index: number;
  readonly sleep: number;
}

abstract class ContainerAcknowledgment extends Acknowledgment {
  nackRequest: NackRequest | undefined;
  private invoking = true;

  protected constructor(
    protected readonly ackHandler: AckHandler,
    protected readonly logger: Logger,
  ) {
    super();
  }

  /** The listener returned: acks stay possible, nacks no longer are. */
  listenerReturned(): void {
    this.invoking = false;
  }

  protected requireInvoking(): void {
    // Spring requires nack() on the consumer thread; here, before the listener returns.
    if (!this.invoking) throw new Error('nack() must be called before the listener returns');
  }

  protected send(records: readonly ConsumerRecord[]): void {
    if (!this.ackHandler.isManual) return; // the container commits by itself in other modes
    this.ackHandler.acknowledge(records).catch((error) => this.logger.error(`Commit after acknowledge() failed for ${records[0]}`, error));
  }
}

/** The Acknowledgment a record listener receives. */
export class RecordAcknowledgment extends ContainerAcknowledgment {
  private acknowledged = false;

  constructor(
    private readonly record: ConsumerRecord,
    ackHandler: AckHandler,
    logger: Logger,
  ) {
    super(ackHandler, logger);
  }

  acknowledge(index?: number): void {
    if (index !== undefined) throw new Error('acknowledge(index) is only for batch listeners');
    if (this.acknowledged) return;
    this.acknowledged = true;
    this.send([this.record]);
  }

  nack(sleepOrIndex: number, sleep?: number): void {
    if (sleep !== undefined) throw new Error('nack(index, sleep) is only for batch listeners; use nack(sleep)');
    this.requireInvoking();
    this.nackRequest = { index: 0, sleep: nonNegative(sleepOrIndex) };
  }
}

/** The Acknowledgment a batch listener receives. */
export class BatchAcknowledgment extends ContainerAcknowledgment {
  private acknowledgedUpTo = -1;

  constructor(
    private readonly records: readonly ConsumerRecord[],
    private readonly ackMode: AckMode,
    ackHandler: AckHandler,
    logger: Logger,
  ) {
    super(ackHandler, logger);
  }

  /** Without an index: the whole batch. With one (MANUAL_IMMEDIATE only): up to and including it. */
  acknowledge(index?: number): void {
    if (index === undefined) return this.acknowledgeUpTo(this.records.length - 1);
    if (this.ackMode !== AckMode.MANUAL_IMMEDIATE) throw new Error('acknowledge(index) requires AckMode.MANUAL_IMMEDIATE');
    if (!Number.isInteger(index) || index < 0 || index >= this.records.length) throw new RangeError(`index ${index} is outside the batch (0..${this.records.length - 1})`);
    if (index <= this.acknowledgedUpTo) throw new Error(`index ${index} must be greater than the last partially acknowledged index ${this.acknowledgedUpTo}`);
    this.acknowledgeUpTo(index);
  }

  nack(indexOrSleep: number, sleep?: number): void {
    if (sleep === undefined) throw new Error('Batch listeners must use nack(index, sleep)');
    this.requireInvoking();
    if (!Number.isInteger(indexOrSleep) || indexOrSleep < 0 || indexOrSleep >= this.records.length) {
      throw new RangeError(`index ${indexOrSleep} is outside the batch (0..${this.records.length - 1})`);
    }
    this.nackRequest = { index: indexOrSleep, sleep: nonNegative(sleep) };
  }

  private acknowledgeUpTo(index: number): void {
    if (index <= this.acknowledgedUpTo) return;
    const newly = this.records.slice(this.acknowledgedUpTo + 1, index + 1);
    this.acknowledgedUpTo = index;
    this.send(newly);
  }
}

function nonNegative(ms: number): number {
  return Number.isFinite(ms) && ms > 0 ? ms : 0;
}
