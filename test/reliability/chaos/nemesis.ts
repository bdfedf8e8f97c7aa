/**
 * The nemesis of the chaos soak: every few seconds (seeded) it kills a broker and restarts it
 * after a while, or isolates one (from brokers and clients) and heals it. One broker at most is
 * down at a time, and the next fault waits until every partition has its three replicas in the
 * ISR again, so with min.insync.replicas=2 the cluster always has a quorum to make progress.
 *
 * The leader sampler records every leader change of the topics under test (from the
 * controller's metadata, every `sampleMs`), which the checker needs to tell kafkajs' known loss
 * from a broker's.
 */
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import type { LeaderChange } from './history.js';

export interface NemesisEvent {
  at: number;
  action: 'kill' | 'restart' | 'isolate' | 'heal' | 'waited for a full ISR' | 'gave up waiting for a full ISR';
  broker: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class LeaderSampler {
  private readonly last = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly kafka: EmbeddedKafka,
    private readonly topics: readonly string[],
    private readonly changes: LeaderChange[],
    readonly sampleMs: number,
  ) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.sampleMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }

  private sample(): void {
    const now = Date.now();
    for (const topic of this.topics) {
      this.kafka.controller!.metadata.topic(topic)?.partitions.forEach((p, partition) => {
        const key = `${topic}-${partition}`;
        const state = `${p.leaderId}/${p.leaderEpoch}`;
        const before = this.last.get(key);
        this.last.set(key, state);
        if (before !== undefined && before !== state) this.changes.push({ topic, partition, at: now, leader: p.leaderId, leaderEpoch: p.leaderEpoch });
      });
    }
  }
}

export class Nemesis {
  readonly events: NemesisEvent[] = [];
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly kafka: EmbeddedKafka,
    private readonly random: () => number,
    private readonly options: { minPauseMs: number; maxPauseMs: number; minDownMs: number; maxDownMs: number },
  ) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  /** Stops after the current fault, undoes it, and waits for a full ISR. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  get kills(): number {
    return this.events.filter((e) => e.action === 'kill').length;
  }

  get isolations(): number {
    return this.events.filter((e) => e.action === 'isolate').length;
  }

  private between(min: number, max: number): number {
    return Math.round(min + this.random() * (max - min));
  }

  private async run(): Promise<void> {
    const { minPauseMs, maxPauseMs, minDownMs, maxDownMs } = this.options;
    while (this.running) {
      await this.sleepWhileRunning(this.between(minPauseMs, maxPauseMs));
      if (!this.running) break;
      // Leaderships do not move back to a restarted broker on their own (the preferred-leader
      // check runs every 300 s), so after a few faults one broker may lead nothing: a fault there
      // would test little. Pick among the brokers that lead a partition.
      const leaders = new Set([...this.kafka.controller!.metadata.topics].flatMap((t) => t.partitions.map((p) => p.leaderId)));
      const ids = this.kafka.nodeIds.filter((id) => leaders.has(id));
      const victim = ids[Math.floor(this.random() * ids.length)] ?? this.kafka.nodeIds[0]!;
      const kill = this.random() < 0.5;
      const downMs = this.between(minDownMs, maxDownMs);
      if (kill) {
        this.record('kill', victim);
        await this.kafka.broker(victim).kill();
        await sleep(downMs);
        await this.kafka.broker(victim).restart();
        this.record('restart', victim);
      } else {
        this.record('isolate', victim);
        this.kafka.faults.isolate(victim);
        await sleep(downMs);
        this.kafka.faults.heal();
        this.record('heal', victim);
      }
      await this.waitForFullIsr(victim);
    }
  }

  private async waitForFullIsr(broker: number): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (fullIsr(this.kafka)) {
        this.record('waited for a full ISR', broker);
        return;
      }
      await sleep(100);
    }
    this.record('gave up waiting for a full ISR', broker);
  }

  private async sleepWhileRunning(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (this.running && Date.now() < until) await sleep(Math.min(100, until - Date.now()));
  }

  private record(action: NemesisEvent['action'], broker: number): void {
    this.events.push({ at: Date.now(), action, broker });
  }
}

/** Every partition of every topic has a leader and all its replicas in the ISR. */
export function fullIsr(kafka: EmbeddedKafka): boolean {
  return [...kafka.controller!.metadata.topics].every((topic) => topic.partitions.every((p) => p.leaderId >= 0 && p.isr.length === p.replicas.length));
}
