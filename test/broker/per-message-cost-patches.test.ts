import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import type { Writable } from 'node:stream';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startBareAedes, type BareAedes } from '../helpers/bare-aedes.js';
import { rawConnect5 } from './raw-mqtt.js';

/**
 * The patches that lower the broker's CPU per message (patches/*+03N+*): each leaves every byte and every
 * answer as it was — the first test of each pair says so — and takes out one per-message cost, which the
 * second test catches when it comes back. What they save is measured by bench/broker-compare.js (README).
 */
const require = createRequire(import.meta.url);
// bl is mqtt-packet's buffer list (not ours): resolve it from there
const BufferList = createRequire(require.resolve('mqtt-packet'))('bl').BufferList as new (
  bufs: Buffer[],
) => Record<string, (offset?: number) => number> & { slice(start?: number, end?: number): Buffer };

/** Parses and generates PUBLISH/PUBACK, v4 and v5, in a fresh node whose `debug` records every call. */
function debugCalls(enabled: boolean): string[] {
  const script = `
    const Module = require('node:module');
    const { join, dirname } = require('node:path');
    const here = Module.createRequire(join(process.cwd(), 'package.json'));
    const fromPacket = Module.createRequire(here.resolve('mqtt-packet'));
    const calls = [];
    const factory = (ns) => { const f = (...args) => calls.push(ns + ' ' + args[0]); f.enabled = ${enabled}; return f; };
    const debugPath = fromPacket.resolve('debug');
    const fake = new Module(debugPath);
    fake.filename = debugPath; fake.loaded = true; fake.exports = factory;
    require.cache[debugPath] = fake;
    const mqtt = here('mqtt-packet');
    for (const protocolVersion of [4, 5]) {
      const parser = mqtt.parser({ protocolVersion });
      parser.on('error', (e) => { throw e; });
      for (const packet of [
        { cmd: 'publish', topic: 'a/b', payload: Buffer.from('x'), qos: 1, messageId: 7, dup: false, retain: false },
        { cmd: 'puback', messageId: 7, reasonCode: 16 },
      ]) parser.parse(mqtt.generate(packet, { protocolVersion }));
    }
    process.stdout.write(JSON.stringify(calls));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as string[];
}

describe('mqtt-packet 030: debug.enabled read once per packet', () => {
  it('still logs every step when its debug namespace is enabled', () => {
    const calls = debugCalls(true);
    expect(calls).toContain('mqtt-packet:parser parse: current state: %s');
    expect(calls).toContain('mqtt-packet:writeToStream publish: packet: %o');
    expect(calls).toContain('mqtt-packet:parser _parseConfirmation: packet.reasonCode `%d`');
    expect(calls.length).toBeGreaterThan(60);
  });

  it('calls no debug function per packet when debug is disabled', () => {
    expect(debugCalls(false)).toEqual([]);
  });
});

/** The chunks mqtt-packet writes for one packet, and the bytes. */
function written(packet: Packet, protocolVersion: 4 | 5): { chunks: Buffer[]; bytes: Buffer } {
  const chunks: Buffer[] = [];
  // a bare sink (no cork): mqtt-packet writes each chunk as it goes (strings too)
  const sink = {
    write(chunk: Buffer | string) {
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      return true;
    },
  } as unknown as Writable;
  mqttPacket.writeToStream(packet, sink, { protocolVersion });
  return { chunks, bytes: Buffer.concat(chunks) };
}

describe('mqtt-packet 031: one-byte reason codes of acks', () => {
  it('writes the same bytes for every reason code, as the spec lays them out', () => {
    for (const cmd of ['puback', 'pubrec', 'pubrel', 'pubcomp'] as const) {
      const first = { puback: 0x40, pubrec: 0x50, pubrel: 0x62, pubcomp: 0x70 }[cmd];
      for (let code = 1; code < 256; code++) {
        const { bytes } = written({ cmd, messageId: 0x1234, reasonCode: code } as Packet, 5);
        expect([...bytes]).toEqual([first, 4, 0x12, 0x34, code, 0]);
      }
      expect([...written({ cmd, messageId: 0x1234, reasonCode: 0 } as Packet, 5).bytes]).toEqual([
        first,
        2,
        0x12,
        0x34,
      ]);
      // no reason code at all: aedes' PUBACK; written as 0x00 with an empty property length
      expect([...written({ cmd, messageId: 0x1234 } as Packet, 5).bytes]).toEqual([
        first,
        4,
        0x12,
        0x34,
        0,
        0,
      ]);
      // with properties, the reason code comes before them
      const withReason = written(
        { cmd, messageId: 1, reasonCode: 0x87, properties: { reasonString: 'no' } } as Packet,
        5,
      ).bytes;
      expect([...withReason]).toEqual([first, 9, 0, 1, 0x87, 5, 0x1f, 0, 2, 0x6e, 0x6f]);
    }
  });

  it('writes a shared buffer for the reason code instead of a new one per ack', () => {
    const a = written({ cmd: 'puback', messageId: 1, reasonCode: 0x10 } as Packet, 5).chunks;
    const b = written({ cmd: 'puback', messageId: 2, reasonCode: 0x10 } as Packet, 5).chunks;
    const reasonA = a.find((chunk) => chunk.length === 1 && chunk[0] === 0x10);
    const reasonB = b.find((chunk) => chunk.length === 1 && chunk[0] === 0x10);
    expect(reasonA).toBeDefined();
    expect(reasonB).toBe(reasonA);
  });
});

describe('bl 030: fixed-size reads without a slice', () => {
  const bufs = () => [
    Buffer.from([1, 2, 3]),
    Buffer.from([0x84, 5, 6, 0xf7]),
    Buffer.from([8]),
    Buffer.from([9, 10]),
  ];
  // bl's fixed-size readers and the bytes each reads
  const readers: Record<string, number> = {
    readUInt8: 1,
    readInt8: 1,
    readUInt16BE: 2,
    readUInt16LE: 2,
    readInt16BE: 2,
    readInt16LE: 2,
    readUInt32BE: 4,
    readUInt32LE: 4,
    readInt32BE: 4,
    readInt32LE: 4,
    readFloatBE: 4,
    readFloatLE: 4,
    readDoubleBE: 8,
    readDoubleLE: 8,
    readBigUInt64BE: 8,
    readBigInt64LE: 8,
  };
  const outcome = (read: () => number | bigint) => {
    try {
      return read();
    } catch (e) {
      return `${(e as Error).name}: ${(e as Error).message}`;
    }
  };

  it('reads what a slice reads, at every offset, across buffer ends and out of range', () => {
    const list = new BufferList(bufs());
    for (const [m, size] of Object.entries(readers)) {
      // (not a fraction: bl's slice then returns bytes it never wrote)
      for (const offset of [-12, -3, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, Number.NaN]) {
        const viaSlice = outcome(() =>
          (list.slice(offset, offset + size) as unknown as Record<string, (o: number) => number | bigint>)[m](
            0,
          ),
        );
        expect(
          outcome(() => list[m](offset)),
          `${m}(${offset})`,
        ).toEqual(viaSlice);
      }
      expect(
        outcome(() => list[m]()),
        `${m}()`,
      ).toEqual(outcome(() => list[m](0)));
    }
    expect(outcome(() => new BufferList([]).readUInt8(0))).toEqual(
      outcome(() => (new BufferList([]).slice(0, 1) as Buffer).readUInt8(0)),
    );
  });

  it('takes no slice when the bytes lie in one buffer', () => {
    const list = new BufferList(bufs());
    const slice = vi.spyOn(list, 'slice');
    expect(list.readUInt8(0)).toBe(1);
    expect(list.readUInt16BE(3)).toBe(0x8405);
    expect(list.readInt32LE(3)).toBe(new Int32Array(new Uint8Array([0x84, 5, 6, 0xf7]).buffer)[0]);
    expect(list.readUInt8(8)).toBe(9);
    expect(slice).not.toHaveBeenCalled();
    expect(list.readUInt16BE(2)).toBe(0x0384); // across two buffers: the slice path
    expect(slice).toHaveBeenCalledTimes(1);
  });
});

describe('aedes 030: the no-subscribers test without a generator', () => {
  let bare: BareAedes;
  let port: number;

  beforeAll(async () => {
    bare = await startBareAedes();
    port = bare.port;
  });

  afterAll(() => bare.close());

  it('answers 0x10 without and 0x00 with a matching subscription, iterating no match', async () => {
    // aedes' emitter (mqemitter) and its qlobber matcher: not in aedes' types
    const { mq } = bare.broker as unknown as { mq: { _matcher: { match_iter: () => unknown } } };
    const matcher = mq._matcher;
    const iterate = vi.spyOn(matcher, 'match_iter');
    const { raw: rx } = await rawConnect5(port, 'cost-rx');
    const { raw: tx } = await rawConnect5(port, 'cost-tx');
    const codes: unknown[] = [];
    const publish = async (topic: string, messageId: number) => {
      tx.send({ cmd: 'publish', topic, payload: 'x', qos: 1, messageId, dup: false, retain: false });
      const ack = (await tx.next((p) => p.cmd === 'puback' && p.messageId === messageId)) as
        (Packet & { reasonCode?: number }) | undefined;
      codes.push(ack?.reasonCode ?? 0);
    };
    await publish('cost/a', 1);
    rx.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'cost/#', qos: 1 }] } as Packet);
    await rx.next((p) => p.cmd === 'suback');
    await publish('cost/a', 2);
    await publish('elsewhere', 3);
    expect(codes).toEqual([0x10, 0, 0x10]);
    expect(iterate).not.toHaveBeenCalled();
    rx.close();
    tx.close();
  });
});
