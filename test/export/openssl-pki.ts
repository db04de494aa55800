import { chmodSync, chownSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** uid/gid of Debian's `mosquitto` user: Mosquitto started as root drops to it before opening any file. */
export function mosquittoUser(): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', 'mosquitto']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'mosquitto']).toString().trim());
  return { uid, gid };
}

/** Make a folder and the 0600 files in it usable by Mosquitto after it drops root (what a user does). */
export function handToMosquitto(dir: string, secretFiles: string[]): void {
  chmodSync(dir, 0o755);
  const { uid, gid } = mosquittoUser();
  for (const file of secretFiles) chownSync(file, uid, gid);
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * A small PKI made by openssl itself (an independent judge): ca.crt/ca.key, server.crt/server.key for
 * localhost and 127.0.0.1, client.crt/client.key with CN `client-1`.
 */
export function opensslPki(dir: string): void {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl(
    [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-subj',
      '/CN=Lint Test CA',
      '-days',
      '30',
    ],
    dir,
  );
  writeFileSync(
    join(dir, 'server.ext'),
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n',
  );
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const [name, cn] of [
    ['server', 'localhost'],
    ['client', 'client-1'],
  ] as const) {
    openssl(['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`], dir);
    openssl(
      [
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-days',
        '10',
        '-out',
        `${name}.crt`,
        '-extfile',
        `${name}.ext`,
      ],
      dir,
    );
  }
}
