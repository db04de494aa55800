import { connect as netConnect, type Socket } from 'node:net';
import mqttPacket, { type Packet } from 'mqtt-packet';

/**
 * A bare MQTT client over a socket, packets encoded and decoded by mqtt-packet: for what mqtt.js will not
 * do (hold acknowledgements while reading on, send a topic alias above the broker's maximum, skip a PUBREL).
 * It answers nothing by itself.
 */
export interface RawClient {
  socket: Socket;
  /** Every packet received, in order. */
  packets: Packet[];
  send(packet: Packet): void;
  /** Resolves with the first received packet (after `from`) that matches, or undefined after `ms`. */
  next(match: (packet: Packet) => boolean, ms?: number, from?: number): Promise<Packet | undefined>;
  closed(): boolean;
  close(): void;
}

export function rawClient(port: number, protocolVersion: 4 | 5 = 5): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ port, host: '127.0.0.1' });
    const parser = mqttPacket.parser({ protocolVersion });
    const packets: Packet[] = [];
    let isClosed = false;
    parser.on('packet', (packet) => packets.push(packet));
    socket.on('data', (chunk) => parser.parse(chunk));
    socket.on('close', () => (isClosed = true));
    socket.on('error', () => undefined);
    const timer = setTimeout(() => reject(new Error('no TCP connection in 5 s')), 5000);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve({
        socket,
        packets,
        send: (packet) => socket.write(mqttPacket.generate(packet, { protocolVersion })),
        async next(match, ms = 2000, from = 0) {
          const deadline = Date.now() + ms;
          for (;;) {
            const found = packets.slice(from).find(match);
            if (found || Date.now() > deadline) return found;
            await new Promise((r) => setTimeout(r, 20));
          }
        },
        closed: () => isClosed,
        close: () => socket.destroy(),
      });
    });
  });
}

/** Connect a raw client and wait for its CONNACK (undefined when none came). */
export async function rawConnect5(
  port: number,
  clientId: string,
  properties: Record<string, unknown> = {},
  options: { clean?: boolean; keepalive?: number } = {},
): Promise<{ raw: RawClient; connack?: Packet }> {
  const raw = await rawClient(port, 5);
  raw.send({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 5,
    clean: options.clean ?? true,
    clientId,
    keepalive: options.keepalive ?? 60,
    properties,
  } as Packet);
  const connack = await raw.next((p) => p.cmd === 'connack');
  return { raw, connack };
}
