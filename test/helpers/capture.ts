import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** A running tcpdump on the loopback interface, filtered to one TCP port. */
export interface Capture {
  file: string;
  /** Stop tcpdump (SIGINT: it flushes and closes the file) and return the file. */
  stop(): Promise<string>;
}

/** Capture loopback traffic of one TCP port with Debian's tcpdump (tests run as root) into DIR/NAME.pcap. */
export function startCapture(dir: string, port: number, name = 'capture'): Promise<Capture> {
  const file = join(dir, `${name}.pcap`);
  // --immediate-mode and -U: read and write each packet as it comes; packets still in the kernel's buffer
  // when tcpdump is stopped are counted "received by filter" and never written.
  const args = ['-i', 'lo', '--immediate-mode', '-U', '-n', '-w', file, 'tcp', 'port', String(port)];
  const child = spawn('tcpdump', args, {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tcpdump did not start within 10 s: ${stderr}`));
    }, 10_000);
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (/listening on/.test(stderr)) {
        clearTimeout(timer);
        resolve({
          file,
          async stop() {
            // The last packets (FIN, ACK) a moment to pass through.
            await new Promise((r) => setTimeout(r, 200));
            child.kill('SIGINT');
            const deadline = setTimeout(() => child.kill('SIGKILL'), 5000);
            await exited;
            clearTimeout(deadline);
            return file;
          },
        });
      }
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`tcpdump exited (${code}): ${stderr}`));
    });
  });
}

/**
 * Read MQTT fields from a capture with Debian's tshark, TLS on `port` decoded as MQTT over TLS, with a key
 * log file when given. One line per matching packet, fields separated by tabs.
 */
export function tsharkMqtt(
  pcap: string,
  port: number,
  filter: string,
  fields: string[],
  keyLogFile?: string,
): string[] {
  const args = [
    '-r',
    pcap,
    '-n',
    '-d',
    `tcp.port==${port},tls`,
    '-d',
    `tls.port==${port},mqtt`,
    ...(keyLogFile ? ['-o', `tls.keylog_file:${keyLogFile}`] : []),
    '-Y',
    filter,
    '-T',
    'fields',
    ...fields.flatMap((f) => ['-e', f]),
  ];
  const result = spawnSync('tshark', args, { encoding: 'utf8', timeout: 30_000 });
  if (result.status !== 0) throw new Error(`tshark failed (${result.status}): ${result.stderr}`);
  return result.stdout.split('\n').filter((line) => line.trim() !== '');
}
