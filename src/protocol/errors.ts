/**
 * The one error the decoder raises for bad input: truncated buffers, impossible lengths,
 * malformed varints. Callers (the broker's connection handler, tests) can rely on this
 * being the only thing a decode throws, whatever the bytes were.
 */
export class ProtocolDecodeError extends Error {
  override readonly name: string = 'ProtocolDecodeError';
  constructor(
    message: string,
    /** Byte offset in the buffer being decoded where the problem was found. */
    readonly offset: number,
  ) {
    super(`${message} (at byte ${offset})`);
  }
}

/** Raised when a value cannot be written in the requested version (e.g. null for a non-nullable field). */
export class ProtocolEncodeError extends Error {
  override readonly name: string = 'ProtocolEncodeError';
}
