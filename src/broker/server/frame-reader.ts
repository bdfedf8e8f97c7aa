/**
 * Splits a TCP byte stream into Kafka frames: an int32 size, then that many bytes. Chunks are
 * kept as they arrive and joined only when a whole frame is there, so a large produce request
 * costs one copy and a frame that trickles in holds only the bytes that arrived.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  /** `maxFrameBytes` may be a function: the limit can change with the connection's state (SASL). */
  constructor(private readonly maxFrameBytes: number | (() => number)) {}

  /**
   * Bytes received and not yet returned as a frame. A frame's declared size allocates
   * nothing: a client that announces 100 MB and sends 10 bytes costs 14 bytes here.
   */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Drops what is buffered (the connection closed). */
  clear(): void {
    this.chunks = [];
    this.buffered = 0;
  }

  /**
   * Adds a chunk and returns the complete frames (without their size prefix). Throws
   * {@link FrameSizeError} for a negative or oversized size: the connection must be closed,
   * as Kafka's broker does (InvalidReceiveException).
   */
  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Buffer[] = [];
    for (;;) {
      if (this.buffered < 4) break;
      const size = this.peekSize();
      const limit = typeof this.maxFrameBytes === 'number' ? this.maxFrameBytes : this.maxFrameBytes();
      if (size < 0 || size > limit) throw new FrameSizeError(size, limit);
      if (this.buffered < 4 + size) break;
      frames.push(this.take(4 + size).subarray(4));
    }
    return frames;
  }

  private peekSize(): number {
    const first = this.chunks[0]!;
    if (first.length >= 4) return first.readInt32BE(0);
    return Buffer.concat(this.chunks, 4).readInt32BE(0);
  }

  private take(bytes: number): Buffer {
    const first = this.chunks[0]!;
    let out: Buffer;
    if (first.length >= bytes) {
      out = first.subarray(0, bytes);
      if (first.length === bytes) this.chunks.shift();
      else this.chunks[0] = first.subarray(bytes);
    } else {
      out = Buffer.allocUnsafe(bytes);
      let filled = 0;
      while (filled < bytes) {
        const chunk = this.chunks[0]!;
        const n = Math.min(chunk.length, bytes - filled);
        chunk.copy(out, filled, 0, n);
        filled += n;
        if (n === chunk.length) this.chunks.shift();
        else this.chunks[0] = chunk.subarray(n);
      }
    }
    this.buffered -= bytes;
    return out;
  }
}

export class FrameSizeError extends Error {
  override readonly name = 'FrameSizeError';
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(size < 0 ? `invalid frame size ${size}` : `frame of ${size} bytes exceeds socket.request.max.bytes (${limit})`);
  }
}
