/**
 * A small seeded PRNG (mulberry32) so that a fuzz run is reproducible from its seed:
 * the same seed, corpus and connection count give the same mutated frames per connection.
 */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** An integer in [0, bound). */
  int(bound: number): number {
    return bound <= 0 ? 0 : Math.floor((this.nextUint32() / 0x1_0000_0000) * bound);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.nextUint32() / 0x1_0000_0000 < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)]!;
  }

  bytes(length: number): Buffer {
    const out = Buffer.allocUnsafe(length);
    for (let i = 0; i < length; i++) out[i] = this.nextUint32() & 0xff;
    return out;
  }

  /** An independent generator derived from this one (e.g. one per connection). */
  fork(): Prng {
    return new Prng(this.nextUint32());
  }
}
