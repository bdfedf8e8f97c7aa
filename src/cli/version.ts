// The package version, read once from package.json (two levels up from src/cli and dist/cli).
import { readFileSync } from 'node:fs';

export const CLIENT_VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
