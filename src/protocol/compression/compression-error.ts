/**
 * Raised when a record batch cannot be compressed or decompressed: unknown codec id, corrupt or
 * truncated input, or a codec whose native module is not available on this platform.
 * Library errors are wrapped (kept as `cause`) so callers only ever have to handle this one type.
 */
export class CompressionError extends Error {
  /** Codec name ('gzip', 'snappy', 'lz4', 'zstd', 'none') or 'unknown' for an unsupported codec id. */
  readonly codec: string;

  constructor(codec: string, message: string, options?: { cause?: unknown }) {
    super(`${codec}: ${message}`, options);
    this.name = 'CompressionError';
    this.codec = codec;
  }
}

/** Wraps anything thrown by a codec library; a CompressionError passes through unchanged. */
export function asCompressionError(codec: string, operation: 'compress' | 'decompress', error: unknown): CompressionError {
  if (error instanceof CompressionError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new CompressionError(codec, `${operation} failed: ${reason}`, { cause: error });
}
