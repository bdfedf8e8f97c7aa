/**
 * streamwright/vitest as a user project runs it: a nested vitest run in a temp project whose
 * config spreads embeddedKafka(), with two test files in parallel workers on the one broker the
 * global setup started. The files check their own isolation; this file checks they all ran.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const project = mkdtempSync(join(tmpdir(), 'streamwright-vitest-'));

beforeAll(() => {
  mkdirSync(join(project, 'node_modules'));
  symlinkSync(ROOT, join(project, 'node_modules', 'streamwright'));
  for (const dep of ['vitest', 'kafkajs']) symlinkSync(join(ROOT, 'node_modules', dep), join(project, 'node_modules', dep));
});
afterAll(() => rmSync(project, { recursive: true, force: true }));

const CONFIG = `
import { defineConfig } from 'vitest/config';
import { embeddedKafka } from 'streamwright/vitest/config';

export default defineConfig({
  test: { ...embeddedKafka({ topics: [{ name: 'shared', partitions: 2 }] }), include: ['test/**/*.test.ts'], fileParallelism: true },
});
`;

/** One test file; both are the same but for the values they send, so each sees only its own. */
const testFile = (value: string) => `
import { Kafka, logLevel } from 'kafkajs';
import { expect, inject } from 'vitest';
import { test } from 'streamwright/vitest';

let first: string | undefined;
let firstGroup: string | undefined;

test('a topic of its own, created on demand, with unique group and transactional ids', async ({ kafka }) => {
  expect(kafka.bootstrapServers).toEqual(inject('streamwrightBootstrapServers'));
  const orders = await kafka.topic('orders', { partitions: 3, config: { 'retention.ms': 60000 } });
  expect(orders).toMatch(/^orders-[0-9a-f]{8}$/);
  expect(await kafka.topic('orders')).toBe(orders);
  first = orders;
  const group = kafka.groupId('billing');
  firstGroup = group;
  expect(group).not.toBe(kafka.groupId('billing-2'));
  expect(kafka.transactionalId()).toMatch(/^tx-/);

  const client = new Kafka({ brokers: kafka.bootstrapServers, logLevel: logLevel.NOTHING });
  const admin = client.admin();
  await admin.connect();
  const meta = await admin.fetchTopicMetadata({ topics: [orders, 'shared'] });
  expect(meta.topics.map((t) => t.partitions.length).sort()).toEqual([2, 3]);
  await admin.disconnect();

  const producer = client.producer();
  await producer.connect();
  await producer.send({ topic: orders, messages: [{ value: '${value}' }] });
  await producer.disconnect();
  const consumer = client.consumer({ groupId: group, maxWaitTimeInMs: 50 });
  await consumer.connect();
  await consumer.subscribe({ topic: orders, fromBeginning: true });
  const seen: string[] = [];
  await new Promise<void>((resolve) => consumer.run({ eachMessage: async ({ message }) => { seen.push(String(message.value)); resolve(); } }));
  await consumer.disconnect();
  expect(seen).toEqual(['${value}']);
});

test('the previous test\\'s topic and group are gone', async ({ kafka }) => {
  const admin = new Kafka({ brokers: kafka.bootstrapServers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const topics = await admin.listTopics();
  const { groups } = await admin.listGroups();
  await admin.disconnect();
  expect(firstGroup).toBeDefined();
  expect(groups.map((g) => g.groupId)).not.toContain(firstGroup);
  expect(first).toBeDefined();
  expect(topics).not.toContain(first);
  expect(topics).toContain('shared');
});
`;

function runVitest(cwd: string, args: string[] = []): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--reporter=json', '--outputFile=report.json', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

test('two files in parallel workers share one broker and never see each other', async () => {
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'vitest-user', type: 'module', private: true }));
  writeFileSync(join(project, 'vitest.config.ts'), CONFIG);
  mkdirSync(join(project, 'test'));
  writeFileSync(join(project, 'test', 'a.test.ts'), testFile('from-a'));
  writeFileSync(join(project, 'test', 'b.test.ts'), testFile('from-b'));

  const { code, output } = await runVitest(project);
  const report = JSON.parse(readFileSync(join(project, 'report.json'), 'utf8')) as { numTotalTests: number; numPassedTests: number; numTotalTestSuites: number };
  expect({ code, passed: report.numPassedTests, total: report.numTotalTests }, output).toEqual({ code: 0, passed: 4, total: 4 });
}, 90_000);

test('with isolate: false, one worker runs both files in one module graph, and they still never see each other', async () => {
  // The project the previous test wrote; --maxWorkers=1 puts both files in the same worker.
  const { code, output } = await runVitest(project, ['--no-isolate', '--maxWorkers=1']);
  const report = JSON.parse(readFileSync(join(project, 'report.json'), 'utf8')) as { numTotalTests: number; numPassedTests: number };
  expect({ code, passed: report.numPassedTests, total: report.numTotalTests }, output).toEqual({ code: 0, passed: 4, total: 4 });
}, 90_000);

test('without the global setup the fixture says what is missing', async () => {
  const bare = join(project, 'bare');
  mkdirSync(join(bare, 'test'), { recursive: true });
  symlinkSync(join(project, 'node_modules'), join(bare, 'node_modules'));
  writeFileSync(join(bare, 'package.json'), JSON.stringify({ name: 'bare', type: 'module', private: true }));
  writeFileSync(join(bare, 'vitest.config.ts'), `import { defineConfig } from 'vitest/config';\nexport default defineConfig({ test: { include: ['test/**/*.test.ts'] } });\n`);
  writeFileSync(join(bare, 'test', 'c.test.ts'), `import { test } from 'streamwright/vitest';\ntest('needs kafka', async ({ kafka }) => { await kafka.topic('x'); });\n`);
  const { code } = await runVitest(bare);
  expect(code).toBe(1);
  expect(readFileSync(join(bare, 'report.json'), 'utf8')).toContain('no embedded broker is running');
}, 90_000);
