/**
 * What an encoder accepts for a message type: every field optional (a missing field is
 * written as its default), recursively, and int64 fields may be given as numbers.
 */
export type MessageInput<T> = T extends bigint
  ? bigint | number
  : T extends Buffer | string | number | boolean | null
    ? T
    : T extends ReadonlyArray<infer E>
      ? ReadonlyArray<MessageInput<E>>
      : T extends object
        ? { [K in keyof T]?: MessageInput<T[K]> }
        : T;
