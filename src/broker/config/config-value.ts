/** A config's value as callers pass it (Kafka's configs are strings on the wire). */
export type ConfigValue = string | number | boolean;
