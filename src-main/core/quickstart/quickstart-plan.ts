import { hostname } from 'node:os';

/** Names and settings quick start uses; the guided tour and tests refer to them. */
export const QUICKSTART = {
  rootCa: 'root-ca',
  intermediateCa: 'intermediate-ca',
  server: 'broker',
  devices: ['device-1', 'device-2'],
  defaultPort: 8883,
} as const;

/** The server certificate's names: localhost, the loopback addresses and this machine's host name. */
export function serverNames(host = hostname()): string[] {
  const names = ['dns:localhost', 'ip:127.0.0.1', 'ip:::1'];
  const clean = host.trim().toLowerCase();
  if (clean && clean !== 'localhost' && /^[a-z0-9.-]+$/.test(clean)) names.push(`dns:${clean}`);
  return names;
}

/** The ACL quick start writes: each device may read and write devices/<its CN>/# and nothing else. */
export function quickstartAcl(): string {
  return [
    '# Written by MQTT TLS Studio quick start.',
    '# The broker takes each client certificate’s CN as its username (use_identity_as_username),',
    '# so %u is the device id: every device may read and write devices/<its CN>/# and nothing else.',
    'pattern readwrite devices/%u/#',
    '',
  ].join('\n');
}

/** The workspace broker's settings: mqtts with mutual TLS and the certificate CN as username. */
export function quickstartConf(port: number): string {
  return [
    '# Written by MQTT TLS Studio quick start. Paths are relative to this folder.',
    'per_listener_settings false',
    'allow_anonymous false',
    'acl_file acl.conf',
    '',
    `listener ${port}`,
    'protocol mqtt',
    'cafile ca.crt',
    'certfile server.crt',
    'keyfile server.key',
    'require_certificate true',
    'use_identity_as_username true',
    'tls_version tlsv1.2',
    '',
  ].join('\n');
}
