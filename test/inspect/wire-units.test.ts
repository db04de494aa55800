/** Units of the inspector that need no network: key schedule vectors, target parsing, packets, the openssl line. */
import { describe, expect, it } from 'vitest';
import { opensslCommand, parseTarget } from '../../src-main/core/inspect/index.js';
import { decodeConnack, encodeConnect } from '../../src-main/core/inspect/mqtt-packets.js';
import { hkdfExpandLabel } from '../../src-main/core/inspect/tls13-record-protection.js';
import { binaryFrame, readFrame } from '../../src-main/core/inspect/websocket-framing.js';

describe('TLS 1.3 key schedule', () => {
  it('derives the handshake write key and IV of RFC 8448 §3 (simple 1-RTT handshake)', () => {
    const serverHandshakeSecret = Buffer.from(
      'b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38',
      'hex',
    );
    expect(hkdfExpandLabel('sha256', serverHandshakeSecret, 'key', Buffer.alloc(0), 16).toString('hex')).toBe(
      '3fce516009c21727d0f2e4e86ee403bc',
    );
    expect(hkdfExpandLabel('sha256', serverHandshakeSecret, 'iv', Buffer.alloc(0), 12).toString('hex')).toBe(
      '5d313eb2671276ee13000b30',
    );
  });
});

describe('targets', () => {
  it('reads host:port, [v6]:port and URLs with default ports', () => {
    expect(parseTarget('broker.example:8883')).toMatchObject({
      scheme: 'mqtts',
      host: 'broker.example',
      port: 8883,
    });
    expect(parseTarget('[::1]:8883')).toMatchObject({
      scheme: 'mqtts',
      host: '::1',
      port: 8883,
      display: '[::1]:8883',
    });
    expect(parseTarget('wss://a.example/mqtt')).toMatchObject({ scheme: 'wss', port: 443, path: '/mqtt' });
    expect(parseTarget('wss://a.example:8884')).toMatchObject({ port: 8884, path: '/mqtt' });
    expect(parseTarget('mqtts://a.example')).toMatchObject({ scheme: 'mqtts', port: 8883 });
    expect(parseTarget('mqtt://a.example')).toMatchObject({ scheme: 'mqtt', port: 1883 });
    expect(() => parseTarget('a.example:99999')).toThrow(/no valid port/);
  });
});

describe('MQTT and WebSocket framing', () => {
  it('encodes a 3.1.1 CONNECT with credentials and decodes a CONNACK', () => {
    const packet = encodeConnect({ clientId: 'c1', username: 'u', password: 'p' });
    expect(packet.toString('hex')).toBe('101400044d51545404c2001e00026331000175000170');
    expect(decodeConnack(Buffer.from([0x20, 0x02, 0x00, 0x05]))).toEqual({
      sessionPresent: false,
      returnCode: 5,
    });
    expect(decodeConnack(Buffer.from([0x20, 0x02]))).toBe('incomplete');
    expect(decodeConnack(Buffer.from('HTTP'))).toBe('not-connack');
  });

  it('masks client frames and reads them back', () => {
    const frame = binaryFrame(Buffer.from('hello'));
    expect(frame[0]).toBe(0x82);
    expect(frame[1]! & 0x80).toBe(0x80);
    expect(readFrame(frame)?.value.payload.toString()).toBe('hello');
  });
});

describe('openssl command', () => {
  it('says the same check as s_client flags', () => {
    expect(
      opensslCommand('broker.example:8883', {
        caFile: 'ca.crt',
        certFile: 'dev 1.crt',
        keyFile: 'dev.key',
        alpn: ['mqtt'],
        tlsMin: '1.3',
      }),
    ).toBe(
      "openssl s_client -connect broker.example:8883 -servername broker.example -CAfile ca.crt -cert 'dev 1.crt' -key dev.key -alpn mqtt -min_protocol TLSv1.3 -verify_hostname broker.example -showcerts -verify_return_error </dev/null",
    );
    expect(opensslCommand('127.0.0.1:8883', { tlsMax: '1.2' })).toBe(
      'openssl s_client -connect 127.0.0.1:8883 -noservername -max_protocol TLSv1.2 -verify_ip 127.0.0.1 -showcerts -verify_return_error </dev/null',
    );
  });
});
