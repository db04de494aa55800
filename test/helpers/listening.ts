import { readFileSync } from 'node:fs';

/**
 * The local addresses of every TCP socket in LISTEN state on `port`, read from the kernel
 * (/proc/net/tcp and tcp6), e.g. ['127.0.0.1', '::1'] or ['0.0.0.0']. What a process really bound,
 * whatever it prints.
 */
export function listeningAddresses(port: number): string[] {
  const found: string[] = [];
  for (const [file, v6] of [
    ['/proc/net/tcp', false],
    ['/proc/net/tcp6', true],
  ] as const) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 4 || fields[3] !== '0A') continue;
      const [hexAddress, hexPort] = fields[1].split(':');
      if (parseInt(hexPort, 16) !== port) continue;
      found.push(v6 ? ipv6(hexAddress) : ipv4(hexAddress));
    }
  }
  return found.sort();
}

// /proc/net/tcp writes addresses as host-order (little-endian here) 32-bit words in hex.
function ipv4(hex: string): string {
  const bytes = Buffer.from(hex, 'hex').reverse();
  return [...bytes].join('.');
}

function ipv6(hex: string): string {
  const bytes = Buffer.alloc(16);
  for (let i = 0; i < 4; i++)
    Buffer.from(hex.slice(i * 8, i * 8 + 8), 'hex')
      .reverse()
      .copy(bytes, i * 4);
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  const text = groups.join(':');
  if (text === '0:0:0:0:0:0:0:0') return '::';
  if (text === '0:0:0:0:0:0:0:1') return '::1';
  const mapped = /^0:0:0:0:0:ffff:([0-9a-f]+):([0-9a-f]+)$/.exec(text);
  if (mapped) {
    const a = parseInt(mapped[1], 16);
    const b = parseInt(mapped[2], 16);
    return `::ffff:${a >> 8}.${a & 255}.${b >> 8}.${b & 255}`;
  }
  return text.replace(/(^|:)0(:0)+(:|$)/, '::');
}
