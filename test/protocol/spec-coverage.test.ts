import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse, type KnownApiKey } from '../../src/protocol/codec.js';
import { ApiKeys } from '../../src/protocol/generated/messages.js';
import { requestHeaderVersion } from '../../src/protocol/headers.js';
import { REQUEST_SPECS, RESPONSE_SPECS } from '../../src/protocol/generated/specs.js';
import { versionsOf } from '../support/arbitrary-message.js';

const root = join(import.meta.dirname, '..', '..');
const referenceDir = join(root, '..', 'shared', 'kafka-protocol');

describe('spec coverage', () => {
  it('has a request and a response spec for every API key, with the same versions', () => {
    const requestKeys = Object.keys(REQUEST_SPECS).map(Number).sort((a, b) => a - b);
    const responseKeys = Object.keys(RESPONSE_SPECS).map(Number).sort((a, b) => a - b);
    expect(requestKeys).toEqual(responseKeys);
    expect(requestKeys.length).toBe(88);
    expect(Object.values(ApiKeys).sort((a, b) => a - b)).toEqual(requestKeys);
    for (const key of requestKeys) expect(RESPONSE_SPECS[key]!.versions).toBe(REQUEST_SPECS[key]!.versions);
  });

  it('encodes and decodes a framed request and response for every API key and version', () => {
    let combinations = 0;
    for (const spec of Object.values(REQUEST_SPECS)) {
      const apiKey = spec.apiKey as KnownApiKey;
      for (const apiVersion of versionsOf(spec)) {
        const header = { apiKey, apiVersion, correlationId: 1000 + apiVersion, clientId: requestHeaderVersion(apiKey, apiVersion) === 0 ? null : 'coverage' };
        const request = encodeRequest(header, {});
        expect(request.readInt32BE(0)).toBe(request.length - 4);
        const decoded = decodeRequest(request.subarray(4));
        expect(decoded.header).toEqual(header);
        expect(encodeRequest(header, decoded.body as never).equals(request)).toBe(true);

        const response = encodeResponse(apiKey, apiVersion, 7, {});
        const back = decodeResponse(apiKey, apiVersion, response.subarray(4));
        expect(back.correlationId).toBe(7);
        expect(encodeResponse(apiKey, apiVersion, 7, back.body as never).equals(response)).toBe(true);
        combinations++;
      }
    }
    // 88 APIs, 327 (key, version) pairs in the Kafka 3.9/4.0 definitions.
    expect(combinations).toBe(327);
  });

  // The generated tables are committed; this proves they are what the generator makes of
  // Kafka's definitions, and that every definition's API key and version range is in them.
  it.runIf(existsSync(referenceDir))('matches the generator output for the reference definitions', () => {
    const out = mkdtempSync(join(tmpdir(), 'sw-generated-'));
    try {
      execFileSync(process.execPath, [join(root, 'scripts', 'generate-protocol.mjs'), referenceDir, out]);
      for (const file of readdirSync(out)) {
        expect(readFileSync(join(out, file), 'utf8'), file).toBe(readFileSync(join(root, 'src', 'protocol', 'generated', file), 'utf8'));
      }
      for (const file of readdirSync(referenceDir).filter((f) => f.endsWith('Request.json'))) {
        const json = JSON.parse(readFileSync(join(referenceDir, file), 'utf8').replace(/^\s*\/\/.*$/gm, ''));
        expect(REQUEST_SPECS[json.apiKey]?.versions, file).toBe(json.validVersions);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
