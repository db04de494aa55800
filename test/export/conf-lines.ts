// Broker settings text for the export tests, listener block by listener block (the files they name are
// the ones writeBrokerSettings in fixtures.ts puts beside the conf).

/**
 * Broker settings lines of a listener on the workshop's server certificate ("broker"), server-side TLS
 * only; `options` are lines that follow the `listener` line (e.g. `protocol websockets`).
 */
export function tlsListener(port: number, ...options: string[]): string[] {
  return [`listener ${port}`, ...options, 'certfile server.crt', 'keyfile server.key', ''];
}

/**
 * Broker settings lines of an mTLS listener: the client certificate must chain to the workshop CA, and
 * its CN (`identity`, as quick start sets it) or its whole subject (`subject`) is the username.
 */
export function mtlsListener(
  port: number,
  options: { usernameFrom?: 'identity' | 'subject'; lines?: string[] } = {},
): string[] {
  return [
    `listener ${port}`,
    ...(options.lines ?? []),
    'cafile ca.crt',
    'certfile server.crt',
    'keyfile server.key',
    'require_certificate true',
    `use_${options.usernameFrom ?? 'identity'}_as_username true`,
    '',
  ];
}

/** Broker settings text: global lines and listener blocks, in order. */
export function brokerConf(...parts: Array<string | string[]>): string {
  return parts.flat().join('\n');
}
