#!/usr/bin/env node
// The `streamwright` command. Subcommands arrive with the pieces they drive (broker, topics,
// console-producer, console-consumer, consumer-groups, transactions).
import { readFileSync } from 'node:fs';

const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const USAGE = `streamwright ${packageJson.version}

usage: streamwright <command> [options]

commands:
  version    print the version
  help       print this help
`;

const [command = 'help'] = process.argv.slice(2);
switch (command) {
  case 'version':
  case '--version':
    console.log(packageJson.version);
    break;
  case 'help':
  case '--help':
    process.stdout.write(USAGE);
    break;
  default:
    process.stderr.write(`unknown command: ${command}\n\n${USAGE}`);
    process.exitCode = 2;
}
