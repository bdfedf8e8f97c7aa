import { describe, expect, it } from 'vitest';
import { decodeResponse, encodeRequest, encodeResponse, readRequestHeaderFrom } from '../../src/protocol/codec.js';
import { ApiKeys } from '../../src/protocol/generated/messages.js';
import { requestHeaderVersion, responseHeaderVersion } from '../../src/protocol/headers.js';

describe('request and response headers', () => {
  it('chooses header versions from the API version', () => {
    expect(requestHeaderVersion(ApiKeys.Produce, 8)).toBe(1);
    expect(requestHeaderVersion(ApiKeys.Produce, 9)).toBe(2);
    expect(requestHeaderVersion(ApiKeys.ControlledShutdown, 0)).toBe(0);
    expect(responseHeaderVersion(ApiKeys.Fetch, 11)).toBe(0);
    expect(responseHeaderVersion(ApiKeys.Fetch, 12)).toBe(1);
    // ApiVersions answers with header v0 even in its flexible versions.
    expect(responseHeaderVersion(ApiKeys.ApiVersions, 3)).toBe(0);
    // Unknown keys and versions fall back to v1 / v0: enough to read the correlation id.
    expect(requestHeaderVersion(999, 0)).toBe(1);
    expect(responseHeaderVersion(999, 0)).toBe(0);
  });

  it('writes request header v1 bytes: key, version, correlation id, int16-length client id', () => {
    const frame = encodeRequest({ apiKey: ApiKeys.Metadata, apiVersion: 1, correlationId: 0x01020304, clientId: 'ab' }, { topics: null });
    expect(frame.toString('hex')).toBe('00000010' + '0003' + '0001' + '01020304' + '00026162' + 'ffffffff');
  });

  it('writes request header v2: the client id stays a classic string, then an empty tag section', () => {
    const frame = encodeRequest({ apiKey: ApiKeys.ApiVersions, apiVersion: 3, correlationId: 1, clientId: null }, {
      clientSoftwareName: 'x',
      clientSoftwareVersion: '1',
    });
    expect(frame.subarray(4).toString('hex')).toBe('0012' + '0003' + '00000001' + 'ffff' + '00' + '0278' + '0231' + '00');
    const { header, bodyOffset } = readRequestHeaderFrom(frame.subarray(4));
    expect(header).toEqual({ apiKey: 18, apiVersion: 3, correlationId: 1, clientId: null });
    expect(bodyOffset).toBe(11);
  });

  it('writes response header v1 (tag section) for flexible responses but v0 for ApiVersions v3', () => {
    const metadata = encodeResponse(ApiKeys.Metadata, 9, 5, {});
    expect(metadata.subarray(4, 9).toString('hex')).toBe('00000005' + '00');
    const apiVersions = encodeResponse(ApiKeys.ApiVersions, 3, 5, { errorCode: 0, apiKeys: [{ apiKey: 0, minVersion: 0, maxVersion: 9 }] });
    // correlation id, then straight into the body: error code 0, compact array of one entry.
    expect(apiVersions.subarray(4, 12).toString('hex')).toBe('00000005' + '0000' + '02' + '00');
    const decoded = decodeResponse(ApiKeys.ApiVersions, 3, apiVersions.subarray(4));
    expect(decoded.body.apiKeys).toEqual([{ apiKey: 0, minVersion: 0, maxVersion: 9 }]);
  });
});
