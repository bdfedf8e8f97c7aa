/** Counters of a fuzz run, shared by its connections. */
import type { Mutation, MutatorName } from './mutators.js';

export class FuzzStats {
  frames = 0;
  bytesSent = 0;
  bytesReceived = 0;
  responses = 0;
  connectionsOpened = 0;
  closedByBroker = 0;
  /** Connections the fuzzer dropped because nothing came back within 200 ms with the window full. */
  stalled = 0;
  connectFailures = 0;
  mutatorErrors = 0;
  firstMutatorError: string | undefined;
  readonly perApi = new Map<number, number>();
  readonly perMutator = new Map<MutatorName, number>();

  count(apiKey: number, mutation: Mutation): void {
    this.frames += mutation.frames;
    this.bytesSent += mutation.wire.length;
    this.perApi.set(apiKey, (this.perApi.get(apiKey) ?? 0) + mutation.frames);
    this.perMutator.set(mutation.mutator, (this.perMutator.get(mutation.mutator) ?? 0) + mutation.frames);
  }
}
