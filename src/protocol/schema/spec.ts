/**
 * The shape of the generated schema tables (src/protocol/generated/specs.ts). Version ranges
 * keep Kafka's notation: "3+" (3 and later), "0-2", "5", "none".
 */
export interface FieldSpec {
  /** Field name, camelCased from Kafka's PascalCase. */
  readonly n: string;
  /** Kafka's type: a primitive, "[]primitive", "[]StructName" or "StructName". */
  readonly t: string;
  /** Versions the field exists in. */
  readonly v: string;
  /** Versions in which the field may be null. */
  readonly nv?: string;
  /** Versions in which the field is tagged (written in the tagged-field section). */
  readonly tv?: string;
  readonly tag?: number;
  /** Field-level override of the message's flexible versions (only RequestHeader.ClientId uses it). */
  readonly fv?: string;
  /** Default value as written in the JSON ("null", "-1", "0x7fffffff", "true"). */
  readonly d?: string;
  /** Struct fields, for struct and struct-array types. */
  readonly f?: readonly FieldSpec[];
}

export interface MessageSpec {
  readonly name: string;
  readonly type: 'request' | 'response' | 'header' | 'data';
  readonly apiKey?: number;
  readonly versions: string;
  readonly flexible: string;
  readonly fields: readonly FieldSpec[];
}
