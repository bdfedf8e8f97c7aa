/**
 * Fault injection for an embedded cluster (`kafka.faults`), in the spirit of kfake's faults.go:
 * a first-class module with its own tests, not test-only hacks. Every decision is taken when a
 * request arrives, in arrival order, so a test that sends the same requests gets the same faults.
 *
 * - `dropResponses`: the request is processed, its response is never sent (a lost response: the
 *   client times out and retries, which is what idempotence and transactions must survive).
 * - `delayResponses`: responses are held back `ms` (responses on a connection stay in order).
 * - `isolate(brokerId)`: the broker is cut off from the other brokers and the controller (its
 *   heartbeats and ISR changes are lost, nobody replicates from it and it replicates from nobody,
 *   it receives no metadata updates) and from clients (its connections are closed, new ones
 *   refused). The controller fences it once its session expires. With `{ clients: false }`
 *   clients still reach it: a split between brokers only, leaving a zombie leader.
 * - `delayCoordinatorLoad`: a broker that becomes leader of a `__consumer_offsets` or
 *   `__transaction_state` partition takes `ms` longer to load it, so clients meet
 *   COORDINATOR_LOAD_IN_PROGRESS, as they do when Kafka loads a large partition.
 * - `heal()`: removes every fault; isolated brokers register again and rejoin as followers.
 */
export interface ResponseFaultTarget {
  /** Only responses of this broker (default: every broker). */
  broker?: number;
  /** Only responses to this API key (default: every API). */
  apiKey?: number;
}

export interface ResponseFault {
  drop: boolean;
  delayMs: number;
}

interface Drop extends ResponseFaultTarget {
  remaining: number;
}

interface Delay extends ResponseFaultTarget {
  ms: number;
}

export interface IsolateOptions {
  /**
   * Cut the broker off from clients too (default true): its open connections are closed and new
   * ones refused until heal(). False keeps clients connected, so they can still write to a
   * leader the rest of the cluster has replaced.
   */
  clients?: boolean;
}

/** Which coordinator a load delay applies to. */
export type CoordinatorKind = 'group' | 'transaction';

export interface CoordinatorLoadTarget {
  /** Only this broker (default: every broker). */
  broker?: number;
  /** Only this coordinator (default: both). */
  coordinator?: CoordinatorKind;
}

interface LoadDelay extends CoordinatorLoadTarget {
  ms: number;
}

export class Faults {
  private drops: Drop[] = [];
  private delays: Delay[] = [];
  private loadDelays: LoadDelay[] = [];
  private readonly isolated = new Set<number>();
  private readonly cutFromClients = new Set<number>();
  private readonly clientsCutListeners: Array<(brokerId: number) => void> = [];
  private droppedSoFar = 0;
  private readonly healListeners: Array<(healed: number[]) => void> = [];

  /** The next `count` responses matching the target are not sent. */
  dropResponses(options: ResponseFaultTarget & { count: number }): void {
    if (!Number.isInteger(options.count) || options.count < 1) throw new RangeError(`count must be a positive integer, got ${options.count}`);
    this.drops.push({ broker: options.broker, apiKey: options.apiKey, remaining: options.count });
  }

  /** Every response matching the target is delayed by `ms`, until heal(). */
  delayResponses(options: ResponseFaultTarget & { ms: number }): void {
    if (!(options.ms >= 0)) throw new RangeError(`ms must be >= 0, got ${options.ms}`);
    this.delays.push({ broker: options.broker, apiKey: options.apiKey, ms: options.ms });
  }

  /** Coordinator partitions that become led by the target take `ms` longer to load, until heal(). */
  delayCoordinatorLoad(options: CoordinatorLoadTarget & { ms: number }): void {
    if (!(options.ms >= 0)) throw new RangeError(`ms must be >= 0, got ${options.ms}`);
    this.loadDelays.push({ broker: options.broker, coordinator: options.coordinator, ms: options.ms });
  }

  /** How many responses have been dropped so far: lets a test check its fault was hit. */
  get droppedResponses(): number {
    return this.droppedSoFar;
  }

  isolate(brokerId: number, options: IsolateOptions = {}): void {
    this.isolated.add(brokerId);
    if (options.clients === false) return;
    this.cutFromClients.add(brokerId);
    for (const listener of this.clientsCutListeners) listener(brokerId);
  }

  /** Removes every fault; brokers that were isolated come back (they register again). */
  heal(): void {
    this.drops = [];
    this.delays = [];
    this.loadDelays = [];
    this.cutFromClients.clear();
    const healed = [...this.isolated];
    this.isolated.clear();
    if (healed.length > 0) for (const listener of this.healListeners) listener(healed);
  }

  /** @internal Called by the embedded cluster to bring healed brokers back. */
  onHeal(listener: (healed: number[]) => void): void {
    this.healListeners.push(listener);
  }

  /** @internal Called by the embedded cluster to close the connections of a broker cut off from clients. */
  onClientsCut(listener: (brokerId: number) => void): void {
    this.clientsCutListeners.push(listener);
  }

  /** Whether the broker takes connections (false while it is isolated from clients). */
  acceptsConnections(brokerId: number): boolean {
    return !this.cutFromClients.has(brokerId);
  }

  isIsolated(brokerId: number): boolean {
    return this.isolated.has(brokerId);
  }

  /** Whether broker `from` can reach broker `to` (a broker always reaches itself). */
  canReach(from: number, to: number): boolean {
    return from === to || (!this.isolated.has(from) && !this.isolated.has(to));
  }

  /** @internal What happens to the response of a request that just arrived at `brokerId`. */
  responseFault(brokerId: number, apiKey: number): ResponseFault | null {
    const matches = (t: ResponseFaultTarget) => (t.broker === undefined || t.broker === brokerId) && (t.apiKey === undefined || t.apiKey === apiKey);
    let drop = false;
    const dropRule = this.drops.find(matches);
    if (dropRule) {
      drop = true;
      this.droppedSoFar += 1;
      dropRule.remaining -= 1;
      if (dropRule.remaining <= 0) this.drops = this.drops.filter((d) => d !== dropRule);
    }
    const delayMs = this.delays.filter(matches).reduce((sum, d) => sum + d.ms, 0);
    return drop || delayMs > 0 ? { drop, delayMs } : null;
  }

  /** @internal How much longer a coordinator partition of `brokerId` takes to load (0: none). */
  coordinatorLoadDelayMs(brokerId: number, coordinator: CoordinatorKind): number {
    return this.loadDelays
      .filter((d) => (d.broker === undefined || d.broker === brokerId) && (d.coordinator === undefined || d.coordinator === coordinator))
      .reduce((sum, d) => sum + d.ms, 0);
  }
}
