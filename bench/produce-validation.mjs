// Produce validation: what checking one partition's batch costs the broker, per codec.
//
//   npm run build && node bench/produce-validation.mjs
//
// "framing only" is the header, CRC and framing check alone (validateBatches with the client
// rules, records of uncompressed batches walked); "LogValidator" is the whole Produce check
// (src/broker/handlers/produce-validation.ts): every record walked, compressed ones inflated
// as a stream. Batches of 1,000 records of 100 bytes with 8-byte keys, as a producer with
// batch.size=128 KiB sends them. Each figure is the median of 5 timed rounds of ~300 ms after a
// warm-up round.
import { validateProducedRecords } from '../dist/broker/handlers/produce-validation.js';
import { parseLogConfig } from '../dist/broker/storage/log-config.js';
import { encodeRecordBatchSync, validateBatches } from '../dist/protocol/records/index.js';

function measure(fn) {
  const rounds = [];
  for (let round = 0; round < 6; round++) {
    let ops = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0;
    while (elapsed < 300) {
      for (let i = 0; i < 4; i++) fn();
      ops += 4;
      elapsed = Number(process.hrtime.bigint() - start) / 1e6;
    }
    if (round > 0) rounds.push(ops / (elapsed / 1000));
  }
  rounds.sort((a, b) => a - b);
  return rounds[2];
}

const now = Date.now();
/** @type {import('../dist/broker/cluster/topic-settings.js').TopicSettings} */
const settings = {
  log: parseLogConfig({ 'max.message.bytes': String(16 * 1024 * 1024), 'message.timestamp.type': 'CreateTime', 'cleanup.policy': 'delete' }),
  minInsyncReplicas: 1,
  messageTimestampBeforeMaxMs: Number.MAX_SAFE_INTEGER,
  messageTimestampAfterMaxMs: Number.MAX_SAFE_INTEGER,
  compressionType: 'producer',
};
const records = Array.from({ length: 1000 }, (_, i) => ({ key: `key-${String(i).padStart(4, '0')}`, value: `${i} `.padEnd(100, 'abcdefghij'), timestamp: now + i }));

console.log('| batch (1,000 records) | bytes | framing only (batches/s) | LogValidator (batches/s) | LogValidator (MB/s inflated) |');
console.log('|---|---|---|---|---|');
/** @type {[string, 0 | 1 | 2 | 3 | 4][]} */
const codecs = [['uncompressed', 0], ['gzip', 1], ['snappy', 2], ['lz4', 3], ['zstd', 4]];
for (const [name, compression] of codecs) {
  const batch = encodeRecordBatchSync({ compression, records });
  const inflated = encodeRecordBatchSync({ compression: 0, records }).length;
  const framing = measure(() => validateBatches(batch, { clientRules: true }));
  const full = measure(() => validateProducedRecords(batch, settings, now, 'bench-0'));
  console.log(`| ${name} | ${batch.length} | ${Math.round(framing).toLocaleString('en-US')} | ${Math.round(full).toLocaleString('en-US')} | ${((full * inflated) / 1e6).toFixed(0)} |`);
}
