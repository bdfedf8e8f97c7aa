#!/usr/bin/env node
// The `streamwright` command: dispatches to the subcommands. Each one is loaded only when
// used, so the client tools do not load the broker and `streamwright version` stays instant.
import { UsageError } from './args.js';
import { errorMessage, type Command } from './command.js';
import { CLIENT_VERSION } from './version.js';

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  broker: { summary: 'run a Kafka-compatible broker', load: async () => (await import('./commands/broker.js')).brokerCommand },
  topics: { summary: 'create, list, describe, alter and delete topics', load: async () => (await import('./commands/topics.js')).topicsCommand },
  'console-producer': { summary: 'send stdin lines to a topic', load: async () => (await import('./commands/console-producer.js')).consoleProducerCommand },
  'console-consumer': { summary: 'print the records of a topic', load: async () => (await import('./commands/console-consumer.js')).consoleConsumerCommand },
  'consumer-groups': { summary: 'list, describe, delete consumer groups and reset offsets', load: async () => (await import('./commands/consumer-groups.js')).consumerGroupsCommand },
  init: { summary: 'write a starter project (plain or NestJS) into a new directory', load: async () => (await import('./commands/init.js')).initCommand },
  transactions: { summary: 'list and describe transactions and producers', load: async () => (await import('./commands/transactions.js')).transactionsCommand },
  acls: { summary: 'add, list and remove ACLs', load: async () => (await import('./commands/acls.js')).aclsCommand },
  configs: { summary: 'create, delete and describe SCRAM users', load: async () => (await import('./commands/configs.js')).configsCommand },
};

const USAGE = `streamwright ${CLIENT_VERSION}

usage: streamwright <command> [options]

commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(18)} ${c.summary}`)
  .join('\n')}
  ${'version'.padEnd(18)} print the version
  ${'help'.padEnd(18)} print this help

Run "streamwright <command> --help" for a command's options.
`;

async function main(argv: readonly string[]): Promise<number> {
  const [name = 'help', ...args] = argv;
  if (name === 'version' || name === '--version') {
    process.stdout.write(`${CLIENT_VERSION}\n`);
    return 0;
  }
  if (name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(USAGE);
    return 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    process.stderr.write(`unknown command: ${name}\n\n${USAGE}`);
    return 2;
  }
  const command = await entry.load();
  try {
    return await command.run(args);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`error: ${error.message}\n\n${command.usage}`);
      return 2;
    }
    process.stderr.write(`error: ${errorMessage(error)}\n`);
    return 1;
  }
}

// `... | head` closes our stdout early: that ends the command, it is not a crash.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`error: ${errorMessage(error)}\n`);
    process.exit(1);
  },
);
