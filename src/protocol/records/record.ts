import { ProtocolEncodeError } from '../errors.js';
import type { ByteReader } from '../primitives/byte-reader.js';
import type { ByteWriter } from '../primitives/byte-writer.js';
import { MIN_RECORD_BODY_SIZE } from './record-framing.js';

/** A record header. Kafka requires a key; the value may be null. */
export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

/**
 * One record of a magic 2 batch, relative to its batch: the absolute offset is
 * baseOffset + offsetDelta, the timestamp baseTimestamp + timestampDelta (CreateTime) or
 * the batch's maxTimestamp (LogAppendTime). Decoded keys, values and header values are views
 * of the decoded buffer (no copy).
 */
export interface KafkaRecord {
  attributes: number;
  timestampDelta: number;
  offsetDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

/**
 * Reads one record at the reader's offset. Any inconsistency (a length past the record or
 * the reader's end, a negative length other than -1, a header count larger than the bytes
 * left, a record length that does not match its fields) is a ProtocolDecodeError.
 */
export function readRecord(reader: ByteReader): KafkaRecord {
  const bodyLength = reader.readVarint();
  if (bodyLength < MIN_RECORD_BODY_SIZE) reader.fail(`invalid record length ${bodyLength}`);
  if (bodyLength > reader.remaining) reader.fail(`record of ${bodyLength} bytes exceeds the ${reader.remaining} bytes left`);
  const recordEnd = reader.offset + bodyLength;

  const attributes = reader.readInt8();
  const timestampDelta = reader.readVarlong();
  const offsetDelta = reader.readVarint();
  const key = readNullableBytes(reader, recordEnd, 'key');
  const value = readNullableBytes(reader, recordEnd, 'value');
  const headerCount = reader.readVarint();
  if (headerCount < 0) reader.fail(`invalid header count ${headerCount}`);
  if (headerCount * 2 > recordEnd - reader.offset) reader.fail(`header count ${headerCount} exceeds the bytes left in the record`);
  const headers: RecordHeader[] = new Array<RecordHeader>(headerCount);
  for (let i = 0; i < headerCount; i++) {
    const keyLength = reader.readVarint();
    if (keyLength < 0) reader.fail(`invalid header key length ${keyLength}`);
    if (keyLength > recordEnd - reader.offset) reader.fail(`header key of ${keyLength} bytes runs past the end of its record`);
    const keyStart = reader.offset;
    reader.offset += keyLength;
    const headerKey = reader.buffer.toString('utf8', keyStart, keyStart + keyLength);
    headers[i] = { key: headerKey, value: readNullableBytes(reader, recordEnd, 'header value') };
  }
  if (reader.offset !== recordEnd) {
    reader.fail(
      reader.offset > recordEnd
        ? `record fields run ${reader.offset - recordEnd} bytes past its declared length ${bodyLength}`
        : `record declares ${bodyLength} bytes but its fields take ${bodyLength - (recordEnd - reader.offset)}`,
    );
  }
  return { attributes, timestampDelta, offsetDelta, key, value, headers };
}

function readNullableBytes(reader: ByteReader, recordEnd: number, what: string): Buffer | null {
  const length = reader.readVarint();
  if (length < 0) {
    if (length !== -1) reader.fail(`invalid ${what} length ${length}`);
    return null;
  }
  if (length > recordEnd - reader.offset) reader.fail(`${what} of ${length} bytes runs past the end of its record`);
  return reader.readRaw(length);
}

// Encoding.

/** Bytes of an unsigned LEB128 varint holding `raw` (0 <= raw < 2^64, exact below 2^53). */
function sizeOfRaw(raw: number): number {
  let size = 1;
  while (raw >= 128) {
    raw = Math.floor(raw / 128);
    size++;
  }
  return size;
}

/** Bytes of a zig-zag varint / varlong of a safe integer. */
export function sizeOfVarint(value: number): number {
  return sizeOfRaw(value >= 0 ? value * 2 : -value * 2 - 1);
}

/** A record ready to write: header keys already utf8-encoded, body size known. */
export interface EncodableRecord {
  attributes: number;
  timestampDelta: number;
  offsetDelta: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: ReadonlyArray<{ key: Uint8Array; value: Uint8Array | null }>;
  /** Bytes after the length varint. */
  bodySize: number;
}

function sizeOfNullableBytes(bytes: Uint8Array | null): number {
  return bytes === null ? 1 : sizeOfVarint(bytes.length) + bytes.length;
}

function checkInt(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) throw new ProtocolEncodeError(`${name} ${value} is out of range [${min}, ${max}]`);
}

/** Prepares a record for writing and computes its size. Validates the ranges the wire format imposes. */
export function prepareRecord(
  attributes: number,
  timestampDelta: number,
  offsetDelta: number,
  key: Uint8Array | null,
  value: Uint8Array | null,
  headers: ReadonlyArray<{ key: Uint8Array; value: Uint8Array | null }>,
): EncodableRecord {
  checkInt('record attributes', attributes, -128, 127);
  checkInt('timestampDelta', timestampDelta, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  checkInt('offsetDelta', offsetDelta, -0x80000000, 0x7fffffff);
  let bodySize = 1 + sizeOfVarint(timestampDelta) + sizeOfVarint(offsetDelta) + sizeOfNullableBytes(key) + sizeOfNullableBytes(value) + sizeOfVarint(headers.length);
  for (const header of headers) bodySize += sizeOfVarint(header.key.length) + header.key.length + sizeOfNullableBytes(header.value);
  if (bodySize > 0x7fffffff) throw new ProtocolEncodeError(`record of ${bodySize} bytes is too large`);
  return { attributes, timestampDelta, offsetDelta, key, value, headers, bodySize };
}

/** Bytes the record takes on the wire, length prefix included. */
export function encodedRecordSize(record: EncodableRecord): number {
  return sizeOfVarint(record.bodySize) + record.bodySize;
}

function writeNullableBytes(writer: ByteWriter, bytes: Uint8Array | null): void {
  if (bytes === null) writer.writeVarint(-1);
  else writer.writeVarint(bytes.length).writeRaw(bytes);
}

/** Writes a prepared record (see {@link prepareRecord}). */
export function writeEncodableRecord(writer: ByteWriter, record: EncodableRecord): void {
  writer.writeVarint(record.bodySize);
  writer.writeInt8(record.attributes);
  writer.writeVarlong(record.timestampDelta);
  writer.writeVarint(record.offsetDelta);
  writeNullableBytes(writer, record.key);
  writeNullableBytes(writer, record.value);
  writer.writeVarint(record.headers.length);
  for (const header of record.headers) {
    writer.writeVarint(header.key.length).writeRaw(header.key);
    writeNullableBytes(writer, header.value);
  }
}

/** Converts a {@link KafkaRecord} to its writable form. */
export function toEncodableRecord(record: KafkaRecord): EncodableRecord {
  const headers = record.headers.map((header) => ({ key: Buffer.from(header.key, 'utf8'), value: header.value }));
  return prepareRecord(record.attributes, record.timestampDelta, record.offsetDelta, record.key, record.value, headers);
}

/** Writes one record (length varint first). */
export function writeRecord(writer: ByteWriter, record: KafkaRecord): void {
  writeEncodableRecord(writer, toEncodableRecord(record));
}
