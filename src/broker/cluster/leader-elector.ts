/** A partition's outcome of ElectLeaders. */
export interface ElectionResult {
  topic: string;
  partition: number;
  errorCode: number;
}

/** Elects partition leaders on request (ElectLeaders: preferred or unclean). */
export interface LeaderElector {
  /** `partitions` null: every partition. */
  electLeaders(electionType: number, partitions: ReadonlyArray<{ topic: string; partition: number }> | null): ElectionResult[];
}
