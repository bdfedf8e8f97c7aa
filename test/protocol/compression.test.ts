import { describe, expect, it } from 'vitest';
import {
  CompressionError,
  CompressionType,
  compress,
  compressSync,
  compressionName,
  decompress,
  decompressSync,
  isCompressionType,
} from '../../src/protocol/compression/index.js';
import { lazyNativeModule } from '../../src/protocol/compression/load-native.js';

// ---------------------------------------------------------------------------------------------
// Test data

/** Deterministic bytes (xorshift32), so a failing case reproduces. */
function pseudoRandomBytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Record-like payload: the same JSON shape with varying ids, as real batches look. */
function repetitiveBytes(length: number): Buffer {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < length; i++) {
    const line = `{"orderId":"ord-${i}","status":"SHIPPED","customer":"c-${i % 97}","amount":${(i * 37) % 10_000}}\n`;
    lines.push(line);
    size += line.length;
  }
  return Buffer.from(lines.join('')).subarray(0, length);
}

const MiB = 1024 * 1024;
const INPUTS: ReadonlyArray<readonly [string, Buffer]> = [
  ['empty', Buffer.alloc(0)],
  ['small', Buffer.from('hello, kafka')],
  ['1 MiB random', pseudoRandomBytes(MiB, 7)],
  ['1 MiB repetitive', repetitiveBytes(MiB)],
];

const REAL_CODECS = [CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd] as const;
const ALL_CODECS = [CompressionType.None, ...REAL_CODECS] as const;

const hex = (...parts: string[]): Buffer => Buffer.from(parts.join(''), 'hex');

/** The input behind the multi-block lz4 and zstd fixtures: one phrase repeated, cut to `length`. */
function fixturePhrase(length: number): Buffer {
  const phrase = 'streamwright lz4 linked-block fixture, record payload #0042; ';
  return Buffer.from(phrase.repeat(Math.ceil(length / phrase.length)).slice(0, length));
}

/**
 * Byte equality via Buffer.equals: vitest's deep equality walks a 1 MiB Buffer element by element
 * (seconds per comparison). On mismatch, report lengths and the first differing offset.
 */
function expectBytes(actual: Buffer, expected: Buffer): void {
  if (actual.equals(expected)) return;
  let firstDifference = 0;
  while (firstDifference < Math.min(actual.length, expected.length) && actual[firstDifference] === expected[firstDifference]) firstDifference++;
  expect({ length: actual.length, firstDifference }).toEqual({ length: expected.length, firstDifference: expected.length });
}

/** Asserts the promise rejects with a CompressionError for `codec` (not any other error type). */
async function expectCompressionError(promise: Promise<unknown>, codec: string): Promise<CompressionError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CompressionError);
  expect((error as CompressionError).codec).toBe(codec);
  return error as CompressionError;
}

function expectSyncCompressionError(run: () => unknown, codec: string): CompressionError {
  let error: unknown;
  try {
    run();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(CompressionError);
  expect((error as CompressionError).codec).toBe(codec);
  return error as CompressionError;
}

/** Rejects through both the async and the sync entry point. */
async function expectDecodeRejected(type: CompressionType, data: Buffer): Promise<void> {
  const codec = compressionName(type);
  await expectCompressionError(decompress(type, data), codec);
  expectSyncCompressionError(() => decompressSync(type, data), codec);
}

// ---------------------------------------------------------------------------------------------
// Codec ids

describe('codec ids', () => {
  it('maps the Kafka attribute ids to names', () => {
    expect(ALL_CODECS.map((type) => compressionName(type))).toEqual(['none', 'gzip', 'snappy', 'lz4', 'zstd']);
    expect(CompressionType).toEqual({ None: 0, Gzip: 1, Snappy: 2, Lz4: 3, Zstd: 4 });
  });

  it.each([5, 6, 7, -1, 1.5, 8])('rejects codec id %s with CompressionError everywhere', async (id) => {
    const type = id as CompressionType;
    expect(isCompressionType(id)).toBe(false);
    await expectCompressionError(compress(type, Buffer.from('x')), 'unknown');
    await expectCompressionError(decompress(type, Buffer.from('x')), 'unknown');
    expectSyncCompressionError(() => compressSync(type, Buffer.from('x')), 'unknown');
    expectSyncCompressionError(() => decompressSync(type, Buffer.from('x')), 'unknown');
    const error = expectSyncCompressionError(() => compressionName(type), 'unknown');
    expect(error.message).toContain(String(id));
  });
});

// ---------------------------------------------------------------------------------------------
// Round trips

describe.each(ALL_CODECS.map((type) => [compressionName(type), type] as const))('%s round trip', (_name, type) => {
  it.each(INPUTS)('%s: async and sync, in both directions', async (_label, input) => {
    const asyncCompressed = await compress(type, input);
    const syncCompressed = compressSync(type, input);
    expect(Buffer.isBuffer(asyncCompressed)).toBe(true);
    expectBytes(await decompress(type, asyncCompressed), input);
    expectBytes(decompressSync(type, asyncCompressed), input);
    expectBytes(await decompress(type, syncCompressed), input);
    expectBytes(decompressSync(type, syncCompressed), input);
  });

  it('reads and writes buffers that are views into a larger allocation', async () => {
    const input = repetitiveBytes(70_000);
    const padded = Buffer.concat([Buffer.from('prefix'), input, Buffer.from('suffix')]);
    const view = padded.subarray(6, 6 + input.length);
    const compressed = await compress(type, view);
    const compressedView = Buffer.concat([Buffer.from([1, 2, 3]), compressed, Buffer.from([4])]).subarray(3, 3 + compressed.length);
    expectBytes(await decompress(type, compressedView), input);
    expectBytes(decompressSync(type, compressedView), input);
  });
});

it.each(REAL_CODECS.map((type) => [compressionName(type), type] as const))('%s actually compresses repetitive data', (_name, type) => {
  const input = repetitiveBytes(MiB);
  // The weakest codec here (snappy/lz4) gets ~4x on this input; 2x still catches a pass-through.
  expect(compressSync(type, input).length).toBeLessThan(input.length / 2);
});

// ---------------------------------------------------------------------------------------------
// gzip

describe('gzip', () => {
  it('decodes a gzip member written by GNU gzip (with the FNAME header field)', async () => {
    // `printf 'hello from GNU gzip\n' > g.txt && gzip -c -9 g.txt | xxd -p` (gzip 1.12)
    const fromGnuGzip = hex('1f8b08081f32016b0203672e74787400cb48cdc9c957482bcacf5570f70b5548afca2ce00200912018bd14000000');
    expect((await decompress(CompressionType.Gzip, fromGnuGzip)).toString()).toBe('hello from GNU gzip\n');
  });

  it('decodes concatenated gzip members', () => {
    const both = Buffer.concat([compressSync(CompressionType.Gzip, Buffer.from('first,')), compressSync(CompressionType.Gzip, Buffer.from('second'))]);
    expect(decompressSync(CompressionType.Gzip, both).toString()).toBe('first,second');
  });
});

// ---------------------------------------------------------------------------------------------
// snappy

const XERIAL_MAGIC = hex('82534e41505059', '00');

/** What snappy-java's SnappyOutputStream writes: header (version 1, compatible 1), then length-prefixed raw blocks. */
function xerialFrame(rawBlocks: Buffer[]): Buffer {
  const header = Buffer.alloc(16);
  XERIAL_MAGIC.copy(header, 0);
  header.writeInt32BE(1, 8);
  header.writeInt32BE(1, 12);
  const parts: Buffer[] = [header];
  for (const block of rawBlocks) {
    const length = Buffer.alloc(4);
    length.writeInt32BE(block.length);
    parts.push(length, block);
  }
  return Buffer.concat(parts);
}

/** Splits like snappy-java (32 KiB blocks, Kafka's default) and compresses each chunk as a raw block. */
function xerialFramedSnappy(input: Buffer, blockSize = 32 * 1024): Buffer {
  const blocks: Buffer[] = [];
  for (let offset = 0; offset < input.length; offset += blockSize) {
    blocks.push(compressSync(CompressionType.Snappy, input.subarray(offset, offset + blockSize)));
  }
  return xerialFrame(blocks);
}

describe('snappy', () => {
  it('decodes a hand-encoded raw snappy block', async () => {
    // varint length 12, literal "abc" (tag 0x08), copy length 9 offset 3 with a 1-byte offset (tag 0x15).
    const raw = hex('0c', '08616263', '1503');
    expect((await decompress(CompressionType.Snappy, raw)).toString()).toBe('abcabcabcabc');
    expect(decompressSync(CompressionType.Snappy, raw).toString()).toBe('abcabcabcabc');
  });

  it('encodes raw snappy (varint length first), not xerial framing', () => {
    const encoded = compressSync(CompressionType.Snappy, Buffer.from('abcabcabcabc'));
    expect(encoded[0]).toBe(12);
    expect(encoded.subarray(0, 8).equals(XERIAL_MAGIC)).toBe(false);
  });

  it('decodes xerial framing built from several raw blocks (the Java client format)', async () => {
    const input = repetitiveBytes(100_000); // 4 blocks of up to 32 KiB
    const framed = xerialFramedSnappy(input);
    expectBytes(framed.subarray(0, 8), XERIAL_MAGIC);
    expectBytes(await decompress(CompressionType.Snappy, framed), input);
    expectBytes(decompressSync(CompressionType.Snappy, framed), input);
  });

  it('decodes a xerial block holding the hand-encoded raw block', () => {
    expect(decompressSync(CompressionType.Snappy, xerialFrame([hex('0c08616263', '1503')])).toString()).toBe('abcabcabcabc');
  });

  it('decodes a xerial header with no blocks as empty, and concatenated xerial streams', () => {
    expectBytes(decompressSync(CompressionType.Snappy, xerialFrame([])), Buffer.alloc(0));
    const a = Buffer.from('first stream;');
    const b = repetitiveBytes(40_000);
    const concatenated = Buffer.concat([xerialFramedSnappy(a), xerialFramedSnappy(b)]);
    expectBytes(decompressSync(CompressionType.Snappy, concatenated), Buffer.concat([a, b]));
  });

  it('rejects truncated xerial streams and impossible block lengths', async () => {
    const framed = xerialFramedSnappy(repetitiveBytes(100_000));
    for (const cut of [10, 17, 18, 19, 100, framed.length - 1]) {
      await expectDecodeRejected(CompressionType.Snappy, framed.subarray(0, cut));
    }
    const negativeLength = Buffer.from(framed);
    negativeLength.writeInt32BE(-5, 16);
    await expectDecodeRejected(CompressionType.Snappy, negativeLength);
  });
});

// ---------------------------------------------------------------------------------------------
// lz4

/**
 * Frames written by the reference LZ4 implementation (the C liblz4 that librdkafka links),
 * via its CLI: `lz4 v1.9.4 ... | xxd -p`, with the flags noted on each fixture.
 */
const HELLO_KAFKA_X20 = Buffer.from('hello kafka '.repeat(20));
const LZ4_REFERENCE_FRAMES: ReadonlyArray<readonly [string, Buffer, Buffer]> = [
  [
    // `lz4 -c`: independent blocks + content checksum (the CLI default)
    'independent blocks, content checksum',
    hex('04224d186440a716000000cf68656c6c6f206b61666b61200c00cc5061666b61200000000016d0fa39'),
    HELLO_KAFKA_X20,
  ],
  [
    // `lz4 -c -BD -BX -B4 --content-size`
    'linked blocks, block checksums, content size',
    hex('04224d187c40f0000000000000001c16000000cf68656c6c6f206b61666b61200c00cc5061666b61204d4e23be0000000016d0fa39'),
    HELLO_KAFKA_X20,
  ],
  [
    // `lz4 -c --no-frame-crc -B4`: the exact header layout Java's KafkaLZ4BlockOutputStream writes
    'Java-style header (independent, no checksums, 64 KiB blocks)',
    hex('04224d1860408216000000cf68656c6c6f206b61666b61200c00cc5061666b612000000000'),
    HELLO_KAFKA_X20,
  ],
  [
    // `lz4 -c --no-frame-crc -B4` on 64 incompressible bytes: stored as an uncompressed block (size high bit set)
    'uncompressed block',
    hex(
      '04224d186040824000008',
      '00b6f2e99a577206a269377af2025fb4ee0954e919ffa7eb01a9e165e3167c3581ffa778e791c985af89f9efcbfed3c30afeeeca0e6e98291849d16fa5aa06cf2',
      '00000000',
    ),
    hex('0b6f2e99a577206a269377af2025fb4ee0954e919ffa7eb01a9e165e3167c3581ffa778e791c985af89f9efcbfed3c30afeeeca0e6e98291849d16fa5aa06cf2'),
  ],
  [
    // `lz4 -c -B4 -BD` on 66 KiB: two linked blocks; the second one is a single match 65514 bytes back,
    // into the first block, so it only decodes if the decoder keeps the previous block as history.
    'two linked blocks, the second referencing the first',
    hex(
      '04224d1844405e48010000ff2e73747265616d777269676874206c7a34206c696e6b65642d626c6f636b20666978747572652c207265636f72642070',
      '61796c6f61642023303034323b203d00',
      'ff'.repeat(256), // a 64 KiB match length is written as a run of 0xff bytes
      'ab506c696e6b65110000000feaffffffffffffffffef506420233030',
      '000000000536a2a5',
    ),
    fixturePhrase(66 * 1024),
  ],
];

describe('lz4', () => {
  it.each(LZ4_REFERENCE_FRAMES)('decodes a reference-implementation frame: %s', async (_label, frame, expected) => {
    expectBytes(await decompress(CompressionType.Lz4, frame), expected);
    expectBytes(decompressSync(CompressionType.Lz4, frame), expected);
  });

  it('writes frame version 01 with the block-independence flag Java requires', () => {
    const frame = compressSync(CompressionType.Lz4, repetitiveBytes(200_000));
    expect(frame.readUInt32LE(0)).toBe(0x184d2204);
    const flags = frame[4];
    expect(flags >>> 6).toBe(1);
    expect(flags & 0x20).toBe(0x20);
  });

  it('verifies checksums that are present', async () => {
    const [, withContentChecksum] = LZ4_REFERENCE_FRAMES[0];
    const badContentChecksum = Buffer.from(withContentChecksum);
    badContentChecksum[badContentChecksum.length - 1] ^= 0x01;
    await expectDecodeRejected(CompressionType.Lz4, badContentChecksum);

    const [, withBlockChecksum] = LZ4_REFERENCE_FRAMES[1];
    const badBlockData = Buffer.from(withBlockChecksum);
    badBlockData[25] ^= 0x01; // inside the first block's data
    await expectDecodeRejected(CompressionType.Lz4, badBlockData);
  });

  it('decodes concatenated frames and skips skippable frames', () => {
    const skippable = Buffer.alloc(13);
    skippable.writeUInt32LE(0x184d2a5f, 0);
    skippable.writeUInt32LE(5, 4);
    const a = Buffer.from('first frame|');
    const b = repetitiveBytes(10_000);
    const stream = Buffer.concat([compressSync(CompressionType.Lz4, a), skippable, compressSync(CompressionType.Lz4, b)]);
    expectBytes(decompressSync(CompressionType.Lz4, stream), Buffer.concat([a, b]));
  });

  it('rejects a frame cut off before its end mark (lz4-napi alone would accept it)', async () => {
    const [, frame] = LZ4_REFERENCE_FRAMES[2]; // no content checksum: the end mark is the last 4 bytes
    for (const missing of [1, 2, 4]) {
      await expectDecodeRejected(CompressionType.Lz4, frame.subarray(0, frame.length - missing));
    }
  });

  it('rejects trailing bytes, the legacy format and an unsupported frame version', async () => {
    const frame = compressSync(CompressionType.Lz4, Buffer.from('payload'));
    await expectDecodeRejected(CompressionType.Lz4, Buffer.concat([frame, Buffer.from('garbage')]));
    await expectDecodeRejected(CompressionType.Lz4, Buffer.concat([frame, Buffer.alloc(4)]));
    // the legacy-format magic (what `lz4 -l` writes); Kafka never used that format
    await expectDecodeRejected(CompressionType.Lz4, hex('02214c18', '0b000000', 'b068656c6c6f206b61666b61'));
    const version2 = Buffer.from(frame);
    version2[4] = (version2[4] & 0x3f) | 0x80;
    await expectDecodeRejected(CompressionType.Lz4, version2);
  });
});

// ---------------------------------------------------------------------------------------------
// zstd

/** Frames written by the reference zstd CLI (`zstd v1.5.4`). */
const ZSTD_NO_CONTENT_SIZE = {
  // `node -e 'process.stdout.write("hello kafka ".repeat(20))' | zstd -c | xxd -p` — read from a pipe,
  // so the CLI cannot know the size up front: frame header descriptor 0x04 (no content size, checksum).
  frame: hex('28b52ffd04589d00006068656c6c6f206b61666b61200100e1532509167259b1'),
  content: HELLO_KAFKA_X20,
};
const ZSTD_TWO_FRAMES = {
  // `(zstd -c a.txt; node -e 'process.stdout.write("second frame ".repeat(10))' | zstd -c --no-check) | xxd -p`
  // where a.txt holds "hello kafka " x 20: a frame with content size and checksum, then one with neither.
  frame: hex(
    '28b52ffd24f09d00006068656c6c6f206b61666b61200100e1532509167259b1',
    '28b52ffd0058a50000687365636f6e64206672616d6520010012d2f905',
  ),
  content: Buffer.concat([HELLO_KAFKA_X20, Buffer.from('second frame '.repeat(10))]),
};
const ZSTD_MULTI_BLOCK_NO_CONTENT_SIZE = {
  // fixturePhrase(200 KiB) — more than one 128 KiB zstd block — piped through `zstd -c`.
  frame: hex(
    '28b52ffd04583c0200d40373747265616d777269676874206c7a34206c696e6b65642d626c6f636b20666978747572652c',
    '207265636f7264207061796c6f61642023303034323b2001000dfc0fe4010a4d000008640100fc1f391002e835b51d',
  ),
  content: fixturePhrase(200 * 1024),
};

/** Frame header descriptor bits 6-7 (content size field size flag) and 5 (single segment). */
function declaresContentSize(frame: Buffer): boolean {
  const descriptor = frame[4];
  return descriptor >>> 6 !== 0 || (descriptor & 0x20) !== 0;
}

describe('zstd', () => {
  it('decodes a frame without content size in its header', async () => {
    const { frame, content } = ZSTD_NO_CONTENT_SIZE;
    expect(declaresContentSize(frame)).toBe(false);
    expectBytes(await decompress(CompressionType.Zstd, frame), content);
    expectBytes(decompressSync(CompressionType.Zstd, frame), content);
  });

  it('decodes a multi-block frame without content size', async () => {
    const { frame, content } = ZSTD_MULTI_BLOCK_NO_CONTENT_SIZE;
    expect(declaresContentSize(frame)).toBe(false);
    expectBytes(await decompress(CompressionType.Zstd, frame), content);
  });

  it('decodes two concatenated frames', async () => {
    const { frame, content } = ZSTD_TWO_FRAMES;
    expect(declaresContentSize(frame)).toBe(true); // the first one does; the second one starts at byte 32
    expect(declaresContentSize(frame.subarray(32))).toBe(false);
    expectBytes(await decompress(CompressionType.Zstd, frame), content);
    expectBytes(decompressSync(CompressionType.Zstd, frame), content);
  });

  it('decodes concatenated frames of its own encoder around a skippable frame', () => {
    const skippable = Buffer.alloc(11);
    skippable.writeUInt32LE(0x184d2a50, 0);
    skippable.writeUInt32LE(3, 4);
    const a = repetitiveBytes(50_000);
    const b = Buffer.from('tail');
    const stream = Buffer.concat([compressSync(CompressionType.Zstd, a), skippable, compressSync(CompressionType.Zstd, b)]);
    expectBytes(decompressSync(CompressionType.Zstd, stream), Buffer.concat([a, b]));
  });

  it('rejects a frame missing its checksum and trailing garbage', async () => {
    const { frame } = ZSTD_NO_CONTENT_SIZE;
    await expectDecodeRejected(CompressionType.Zstd, frame.subarray(0, frame.length - 4));
    await expectDecodeRejected(CompressionType.Zstd, Buffer.concat([frame, Buffer.from('garbage')]));
  });
});

// ---------------------------------------------------------------------------------------------
// Corrupt input: every codec, both entry points, always a CompressionError

describe.each(REAL_CODECS.map((type) => [compressionName(type), type] as const))('%s corrupt input', (_name, type) => {
  const valid = compressSync(type, repetitiveBytes(200_000));

  it('rejects empty input', async () => {
    await expectDecodeRejected(type, Buffer.alloc(0));
  });

  it('rejects truncated input', async () => {
    for (const cut of [1, 3, Math.floor(valid.length / 2), valid.length - 1]) {
      await expectDecodeRejected(type, valid.subarray(0, cut));
    }
  });

  it('rejects random bytes', async () => {
    for (const seed of [1, 2, 3]) {
      await expectDecodeRejected(type, pseudoRandomBytes(1000, seed));
    }
  });

  it('rejects a wrong magic / header', async () => {
    const wrongHeader = Buffer.from(valid);
    // gzip/lz4/zstd: first magic byte. Raw snappy has no magic: 0xff... declares a length the data cannot fill.
    wrongHeader.fill(0xff, 0, type === CompressionType.Snappy ? 4 : 1);
    await expectDecodeRejected(type, wrongHeader);
  });

  it('never throws anything but CompressionError for bit-flipped input', async () => {
    let rejected = 0;
    const random = pseudoRandomBytes(400, 99);
    for (let i = 0; i < 100; i++) {
      const damaged = Buffer.from(valid);
      const position = (random.readUInt16LE(i * 4) * 7919) % damaged.length;
      damaged[position] ^= 1 << random[i * 4 + 2] % 8;
      const syncOutcome = (() => {
        try {
          return decompressSync(type, damaged);
        } catch (error) {
          return error;
        }
      })();
      const asyncOutcome = await decompress(type, damaged).catch((error: unknown) => error);
      for (const outcome of [syncOutcome, asyncOutcome]) {
        if (Buffer.isBuffer(outcome)) continue; // codecs without checksums can decode a flipped literal
        expect(outcome).toBeInstanceOf(CompressionError);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(0);
  });
});

describe('native module loading', () => {
  it('reports a missing native codec module as a CompressionError with the cause attached', () => {
    const load = lazyNativeModule<unknown>('zstd', 'streamwright-test-no-such-native-module');
    const first = expectSyncCompressionError(load, 'zstd');
    expect(first.message).toContain('streamwright-test-no-such-native-module');
    expect(first.cause).toBeInstanceOf(Error);
    // The failure is remembered rather than retried, and reported the same way.
    expect(expectSyncCompressionError(load, 'zstd').cause).toBe(first.cause);
  });
});
