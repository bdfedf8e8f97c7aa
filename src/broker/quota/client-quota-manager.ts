import type { QuotaKey } from './client-quota-entity.js';
import { resolveQuota } from './quota-resolution.js';
import { SampledRate } from './sampled-rate.js';

export interface QuotaWindows {
  /** quota.window.num */
  readonly samples: number;
  /** quota.window.size.seconds, in ms */
  readonly windowMs: number;
}

/** Who a request is from, for quota resolution. */
export interface QuotaClient {
  /** The principal's name (`alice` for `User:alice`; `ANONYMOUS` on PLAINTEXT). */
  readonly user: string;
  readonly clientId: string;
}

/** Past this many sensors, the ones idle for a whole measured span are dropped. */
const SWEEP_AT = 1024;

/**
 * One quota type's sensors (Kafka's ClientQuotaManager): records a value against the sensor of
 * the entity whose quota applies, and when the measured rate is over the bound answers the
 * throttle time that brings it back (QuotaUtils.throttleTime):
 * `(rate - bound) / bound * window`. With no quota for the client nothing is recorded.
 */
export class ClientQuotaManager {
  private readonly sensors = new Map<string, SampledRate>();

  constructor(
    readonly key: QuotaKey,
    private readonly lookup: Parameters<typeof resolveQuota>[0],
    private readonly windows: () => QuotaWindows,
    /** The longest throttle (the request quota caps it at one window); Infinity for none. */
    private readonly maxThrottleMs: () => number = () => Infinity,
  ) {}

  /** Records `value` and answers the throttle time in ms (0 within quota). */
  recordAndGetThrottleTimeMs(client: QuotaClient, value: number, nowMs: number): number {
    const quota = resolveQuota(this.lookup, this.key, client.user, client.clientId);
    if (quota === null) return 0;
    const sensor = this.sensor(quota.sensorKey);
    sensor.record(value, nowMs);
    const rate = sensor.measure(nowMs);
    if (rate <= quota.bound) return 0;
    const throttle = Math.round(((rate - quota.bound) / quota.bound) * sensor.windowSizeMs(nowMs));
    return Math.min(throttle, this.maxThrottleMs());
  }

  /** Takes back a value recorded for a response that was not sent (a throttled Fetch). */
  unrecord(client: QuotaClient, value: number, nowMs: number): void {
    const quota = resolveQuota(this.lookup, this.key, client.user, client.clientId);
    if (quota !== null) this.sensors.get(quota.sensorKey)?.record(-value, nowMs);
  }

  private sensor(sensorKey: string): SampledRate {
    let sensor = this.sensors.get(sensorKey);
    if (sensor) return sensor;
    const { samples, windowMs } = this.windows();
    if (this.sensors.size >= SWEEP_AT) this.sweep(samples * windowMs);
    sensor = new SampledRate(samples, windowMs);
    this.sensors.set(sensorKey, sensor);
    return sensor;
  }

  private sweep(spanMs: number): void {
    const newest = Math.max(...[...this.sensors.values()].map((s) => s.lastRecordMs));
    for (const [key, sensor] of this.sensors) if (newest - sensor.lastRecordMs > spanMs) this.sensors.delete(key);
  }
}
