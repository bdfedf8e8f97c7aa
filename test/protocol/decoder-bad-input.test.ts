import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRequest, decodeResponse, encodeRequest, type KnownApiKey } from '../../src/protocol/codec.js';
import { ProtocolDecodeError } from '../../src/protocol/errors.js';
import { ApiKeys } from '../../src/protocol/generated/messages.js';
import { REQUEST_SPECS, RESPONSE_SPECS } from '../../src/protocol/generated/specs.js';
import { ByteReader } from '../../src/protocol/primitives/byte-reader.js';
import { decodeMessage, encodeMessage } from '../../src/protocol/schema/compile.js';
import { messageArbitrary, versionsOf } from '../support/arbitrary-message.js';

/** Runs a decode and returns the error it threw, if any; anything but ProtocolDecodeError fails the test. */
function decodeOutcome(decode: () => unknown): 'ok' | ProtocolDecodeError {
  try {
    decode();
    return 'ok';
  } catch (error) {
    if (error instanceof ProtocolDecodeError) return error;
    throw new Error(`decoder threw a ${(error as Error)?.constructor?.name}: ${String(error)}`, { cause: error });
  }
}

const hex = (text: string) => Buffer.from(text.replace(/\s/g, ''), 'hex');

describe('decoder on bad input', () => {
  it('rejects a truncated buffer', () => {
    const frame = encodeRequest({ apiKey: ApiKeys.Metadata, apiVersion: 12, correlationId: 1, clientId: 'c' }, { topics: [{ name: 'orders' }] });
    for (let cut = 0; cut < frame.length - 4; cut++) {
      expect(decodeOutcome(() => decodeRequest(frame.subarray(4, 4 + cut)))).toBeInstanceOf(ProtocolDecodeError);
    }
  });

  it('rejects negative and oversized string and bytes lengths', () => {
    const reader = (bytes: string) => new ByteReader(hex(bytes));
    expect(() => reader('fffe').readNullableString()).toThrow(ProtocolDecodeError);
    expect(() => reader('ffff').readString()).toThrow(/non-nullable/);
    expect(() => reader('7fff 61').readString()).toThrow(ProtocolDecodeError);
    expect(() => reader('fffffffe').readNullableBytes()).toThrow(ProtocolDecodeError);
    expect(() => reader('7fffffff 00').readBytes()).toThrow(/need 2147483647 bytes/);
    expect(() => reader('ffffffff0f').readCompactBytes()).toThrow(ProtocolDecodeError);
  });

  it('rejects array counts beyond the bytes left, without allocating them', () => {
    // Metadata v1 request: topics array claiming 2^31-1 elements, followed by nothing.
    const body = hex('0003 0001 00000001 0001 63 7fffffff');
    expect(() => decodeRequest(body)).toThrow(/array of 2147483647 elements exceeds/);
    // Same in compact form (Metadata v12): unsigned varint 0xfffffff0 elements.
    const compact = hex('0003 000c 00000001 0001 63 00 f0ffffff0f');
    expect(() => decodeRequest(compact)).toThrow(/exceeds/);
  });

  it('fails an oversized CreateTopics count at the count itself, at any depth, before reading an element', () => {
    const spec = REQUEST_SPECS[ApiKeys.CreateTopics]!;
    const varint = (value: number) => {
      const out: number[] = [];
      for (; value >= 0x80; value = Math.floor(value / 128)) out.push((value % 128) | 0x80);
      return Buffer.from([...out, value]);
    };
    const failure = (body: Buffer) => {
      const outcome = decodeOutcome(() => decodeMessage(spec, 7, body));
      if (outcome === 'ok') throw new Error('decoded a hostile count');
      return outcome;
    };
    // A 10-byte body whose topics array claims 2^30 elements: the error names the count and is
    // raised right after it (byte 5), so no element was read and nothing sized by it allocated.
    const tenBytes = Buffer.concat([varint(2 ** 30 + 1), Buffer.alloc(5)]);
    expect(tenBytes).toHaveLength(10);
    const topLevel = failure(tenBytes);
    expect(topLevel.message).toMatch(/array of 1073741824 elements exceeds the 5 bytes left/);
    expect(topLevel.offset).toBe(5);
    // 2^31 elements, the largest count a compact array can claim beyond int32.
    expect(failure(Buffer.concat([varint(2 ** 31 + 1), Buffer.alloc(5)])).message).toMatch(/array of 2147483648 elements exceeds/);
    // Nested: one topic whose replica assignments claim 2^30 partitions.
    const nested = Buffer.concat([varint(2), hex('02 61 ffffffff ffff'), varint(2 ** 30 + 1), Buffer.alloc(8)]);
    expect(failure(nested).message).toMatch(/array of 1073741824 elements exceeds the 8 bytes left/);
    // A count the bytes could hold one byte per element but not one topic (10 bytes at least) each.
    expect(failure(Buffer.concat([varint(1001), Buffer.alloc(1000)])).message).toMatch(/array of 1000 elements exceeds the 1000 bytes left/);
  });

  it('rejects malformed varints', () => {
    expect(() => new ByteReader(hex('ffffffffff01')).readUnsignedVarint()).toThrow(/longer than 5 bytes/);
    expect(() => new ByteReader(hex('ffffffff7f')).readUnsignedVarint()).toThrow(/exceeds 32 bits/);
    expect(() => new ByteReader(hex('8080')).readVarint()).toThrow(/need 1 bytes/);
    expect(() => new ByteReader(hex('ffffffffffffffffff7f')).readVarlong()).toThrow(ProtocolDecodeError);
    expect(new ByteReader(hex('feffffffffffffffff01')).readVarlongBig()).toBe(9223372036854775807n);
  });

  it('skips unknown tagged fields and rejects a tag larger than the bytes left', () => {
    const spec = REQUEST_SPECS[ApiKeys.ApiVersions]!;
    const known = encodeMessage(spec, 3, { clientSoftwareName: 'a', clientSoftwareVersion: 'b' });
    // Replace the trailing empty tag section with one unknown tag 9 of 3 bytes.
    const withUnknownTag = Buffer.concat([known.subarray(0, known.length - 1), hex('01 09 03 aabbcc')]);
    expect(decodeMessage(spec, 3, withUnknownTag)).toEqual({ clientSoftwareName: 'a', clientSoftwareVersion: 'b' });
    const oversizedTag = Buffer.concat([known.subarray(0, known.length - 1), hex('01 09 7f aa')]);
    expect(() => decodeMessage(spec, 3, oversizedTag)).toThrow(/tagged field 9 of 127 bytes/);
  });

  it('rejects unknown API keys and versions with the typed error', () => {
    expect(decodeOutcome(() => decodeRequest(hex('03e7 0000 00000001 ffff')))).toBeInstanceOf(ProtocolDecodeError);
    expect(decodeOutcome(() => decodeRequest(hex('0000 0063 00000001 ffff')))).toBeInstanceOf(ProtocolDecodeError);
    expect(decodeOutcome(() => decodeResponse(ApiKeys.Produce, 99, hex('00000001')))).toBeInstanceOf(ProtocolDecodeError);
  });

  it('never throws anything but ProtocolDecodeError on random frames', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 90 }), fc.integer({ min: 0, max: 18 }), (bytes, apiKey, version) => {
        const frame = Buffer.from(bytes);
        decodeOutcome(() => decodeRequest(frame));
        decodeOutcome(() => decodeResponse(apiKey as KnownApiKey, version, frame));
        // Random bytes behind a valid header reach the body decoders of every API.
        const withHeader = Buffer.concat([hex('0000 0000 00000000 ffff'), frame]);
        withHeader.writeInt16BE(apiKey, 0);
        withHeader.writeInt16BE(version, 2);
        decodeOutcome(() => decodeRequest(withHeader));
      }),
      { numRuns: 3000 },
    );
  });

  it('never throws anything but ProtocolDecodeError on mutated valid messages of every API', () => {
    const mutation = fc.record({
      kind: fc.constantFrom('flip', 'truncate', 'insert', 'max-length'),
      position: fc.nat(),
      value: fc.integer({ min: 0, max: 255 }),
    });
    let rejected = 0;
    for (const table of [REQUEST_SPECS, RESPONSE_SPECS]) {
      for (const spec of Object.values(table)) {
        for (const version of versionsOf(spec)) {
          fc.assert(
            fc.property(messageArbitrary(spec, version), fc.array(mutation, { minLength: 1, maxLength: 3 }), (message, mutations) => {
              let bytes = Buffer.from(encodeMessage(spec, version, message));
              for (const m of mutations) {
                const at = bytes.length === 0 ? 0 : m.position % bytes.length;
                if (m.kind === 'flip' && bytes.length > 0) bytes[at] = bytes[at]! ^ (1 << (m.value % 8));
                else if (m.kind === 'truncate') bytes = bytes.subarray(0, at);
                else if (m.kind === 'insert') bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from([m.value]), bytes.subarray(at)]);
                else if (m.kind === 'max-length' && bytes.length >= at + 4) bytes.writeInt32BE(0x7fffffff, at);
              }
              if (decodeOutcome(() => decodeMessage(spec, version, bytes)) !== 'ok') rejected++;
            }),
            { numRuns: 4 },
          );
        }
      }
    }
    // Most mutations must be caught; a decoder that accepted everything would be broken.
    expect(rejected).toBeGreaterThan(1000);
  });
});
