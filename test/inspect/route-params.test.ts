/** The Inspector's route params (src-renderer/src/lib/inspect-params.ts): what other views may link with. */
import { describe, expect, it } from 'vitest';
import { inspectFormFromParams } from '../../src-renderer/src/lib/inspect-params.js';

describe('Inspector route params', () => {
  it('the Client view link: target and servername', () => {
    expect(inspectFormFromParams({ target: '[::1]:8883', servername: 'broker.lan' })).toEqual({
      target: '[::1]:8883',
      servername: 'broker.lan',
    });
  });

  it('every param, and run only with a target', () => {
    expect(
      inspectFormFromParams({
        target: 'wss://h:443/mqtt',
        trust: 'root-ca',
        cert: 'device-1',
        alpn: 'x-amzn-mqtt-ca',
        tlsMin: '1.3',
        tlsMax: '1.3',
        mqtt: '0',
        username: 'alice',
        run: '1',
      }),
    ).toEqual({
      target: 'wss://h:443/mqtt',
      trustKind: 'workspace',
      trustCa: 'root-ca',
      clientKind: 'workspace',
      clientName: 'device-1',
      alpn: 'x-amzn-mqtt-ca',
      tlsMin: '1.3',
      tlsMax: '1.3',
      mqtt: false,
      username: 'alice',
      run: true,
    });
    expect(inspectFormFromParams({ run: '1' })).toEqual({});
    expect(inspectFormFromParams({ trust: 'system' })).toEqual({ trustKind: 'system' });
  });

  it('invalid or empty values are ignored, the form keeps what it had', () => {
    expect(inspectFormFromParams({ target: '  ', tlsMin: '1.1', mqtt: 'yes', other: 'x' })).toEqual({});
  });
});
