import type { MetricValueWithName, Registry } from 'prom-client';

/** One label set's observations: per-bucket counts (not cumulative), sum and count. */
export class TimerSeries {
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Readonly<Record<string, string>>,
    private readonly buckets: readonly number[],
  ) {
    this.counts = new Array<number>(buckets.length + 1).fill(0);
  }

  observe(seconds: number): void {
    let i = 0;
    while (i < this.buckets.length && seconds > this.buckets[i]!) i++;
    this.counts[i]!++;
    this.sum += seconds;
    this.count++;
  }
}

/**
 * A Prometheus histogram for the listener path: the caller keeps its {@link TimerSeries} and
 * an observation is a few number writes (prom-client's Histogram hashes the label set on
 * every observation, which cost the listener path measurable throughput). The exposition is
 * prom-client's: `_bucket{le}`, `_sum`, `_count`, in the same registry.
 */
export class TimerHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, TimerSeries>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: readonly number[],
    registry: Registry,
  ) {
    registry.registerMetric(this as never);
  }

  /** The series of a label set, created on first use; keep it to observe cheaply. */
  labelled(labels: Record<string, string>): TimerSeries {
    const key = JSON.stringify(labels);
    let series = this.series.get(key);
    if (!series) this.series.set(key, (series = new TimerSeries(labels, this.buckets)));
    return series;
  }

  reset(): void {
    for (const series of this.series.values()) {
      series.counts.fill(0);
      series.sum = 0;
      series.count = 0;
    }
  }

  /** What prom-client's registry reads from a metric (the shape its own metrics return). */
  get(): { name: string; help: string; type: string; aggregator: string; values: MetricValueWithName<string>[] } {
    const values: MetricValueWithName<string>[] = [];
    for (const series of this.series.values()) {
      let cumulative = 0;
      for (let i = 0; i <= this.buckets.length; i++) {
        cumulative += series.counts[i]!;
        values.push({ metricName: `${this.name}_bucket`, labels: { le: i < this.buckets.length ? this.buckets[i]! : '+Inf', ...series.labels }, value: cumulative });
      }
      values.push({ metricName: `${this.name}_sum`, labels: { ...series.labels }, value: series.sum });
      values.push({ metricName: `${this.name}_count`, labels: { ...series.labels }, value: series.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: 'sum', values };
  }
}
