// What the Broker view says about refusals and start failures: the fix, in plain words.
import type { BrokerEvent, ListenerStatus } from '../../../src-main/core/broker/index.js';

const FIXES: Record<string, string> = {
  CLIENT_CERT_REQUIRED:
    'Give the client a certificate and key (e.g. --cert/--key in mosquitto_pub), issued by a CA in the listener’s cafile.',
  CLIENT_CERT_REJECTED:
    'Issue the client certificate from a CA in this listener’s cafile, or add its CA (and intermediates) to cafile.',
  EXPIRED: 'Issue a new client certificate; an expired one cannot be used.',
  NOT_YET_VALID: 'Check the client’s clock, or issue a certificate valid from now.',
  WRONG_PURPOSE: 'Issue the certificate with the client profile (extended key usage clientAuth).',
  REVOKED: 'This certificate is on the CRL. Issue a new one for the device.',
  CRL_MISSING: 'Publish a current CRL of the CA that issued the client certificate into crlfile.',
  BAD_SIGNATURE: 'The certificate or CRL was not signed by the CA it names; re-issue it from that CA.',
  PROTOCOL_VERSION: 'Let the client use a newer TLS (or MQTT 3.1.1), or lower the listener’s tls_version.',
  NOT_TLS: 'The client spoke plain MQTT to a TLS port: use mqtts:// (or --cafile) on the client.',
  TLS_ON_PLAIN_PORT: 'The client started TLS on a plain port: use mqtt:// or connect to the TLS listener.',
  UNTRUSTED_ROOT:
    'The client does not trust the broker: give it the CA certificate (ca.crt) of the broker’s chain.',
  HANDSHAKE_FAILED: 'Check the PSK identity and key, the cipher lists and the TLS versions on both sides.',
  MQTT_NOT_AUTHORIZED:
    'Check the username and password (password file) or allow_anonymous for this listener.',
  MQTT_REFUSED: 'Check the client id and the username source of this listener.',
  TIMEOUT: 'The client was too slow; check the network.',
};

export function fixFor(event: BrokerEvent): string | undefined {
  if (event.kind === 'acl-denied') {
    return event.rule
      ? `Decided by ${event.rule.file.split('/').pop()}:${event.rule.line} (${event.rule.text}). Change the ACL if this client should ${event.access === 'write' ? 'publish' : 'receive'} here.`
      : `No ACL rule grants ${event.access} on '${event.topic}' to this client: add one to the ACL.`;
  }
  // A bridge's own message already carries its fix (its problem is the remote's, seen as a client).
  if (event.kind === 'bridge') return undefined;
  return event.problem ? FIXES[event.problem] : undefined;
}

/** A sentence under a start error: where to look and what to do. */
export function explainStartError(text: string): string {
  if (/already in use/.test(text))
    return 'Another program (maybe Mosquitto, or another broker run) uses this port. Stop it, or start with another port.';
  if (/does not exist|cannot be read/.test(text))
    return 'A file named in the settings is missing. Create it, or fix the path on that line (relative paths start at the conf’s folder).';
  if (/does not match the certificate/.test(text))
    return 'The key file belongs to another certificate. Point keyfile at the key of the server certificate in certfile.';
  if (/no broker settings/.test(text))
    return 'Run the quick start (Start view) to create broker settings, or start from a mosquitto.conf file.';
  if (/not supported by the local broker|unknown option/.test(text))
    return 'The local broker runs Mosquitto’s TLS, authentication and ACL options; remove this line to run the file here.';
  if (/websockets|plain MQTT|PSK|tls_version/.test(text))
    return 'Mosquitto 2.0.11 would silently misbehave with this line, so the local broker stops here instead. Fix the line as the message says.';
  return 'Fix the file at the line named, then start again.';
}

/** Ready-to-paste commands for a listener (file names as `cert export` writes them). */
export function listenerCommands(listener: ListenerStatus): { sub: string; pub: string } {
  const host = listener.host === '127.0.0.1' ? 'localhost' : listener.host;
  const tls = listener.scheme === 'mqtts' ? ' --cafile ca.crt' : '';
  const cert =
    listener.scheme === 'mqtts' && listener.requireCertificate
      ? ' --cert device-1.crt --key device-1.key'
      : '';
  const base = `-h ${host} -p ${listener.port}${tls}${cert}`;
  if (listener.scheme === 'ws' || listener.scheme === 'wss') {
    const url = `${listener.scheme}://${host}:${listener.port}/mqtt`;
    return { sub: `mqtt.connect('${url}')  // mqtt.js; mosquitto_sub 2.0 has no websockets`, pub: url };
  }
  return {
    sub: `mosquitto_sub ${base} -t 'devices/device-1/#' -v`,
    pub: `mosquitto_pub ${base} -t devices/device-1/hello -m 'hello'`,
  };
}

export type LogFilter = 'all' | 'connections' | 'refusals' | 'acl' | 'reloads' | 'notices';

export function matchesFilter(
  event: BrokerEvent,
  filter: LogFilter,
  text: string,
  listener: string,
): boolean {
  if (listener && event.listener !== listener) return false;
  if (filter === 'connections' && !['connected', 'disconnected', 'refused'].includes(event.kind))
    return false;
  if (filter === 'refusals' && event.kind !== 'refused') return false;
  if (filter === 'acl' && event.kind !== 'acl-denied') return false;
  if (filter === 'reloads' && event.kind !== 'reloaded' && event.kind !== 'error') return false;
  if (filter === 'notices' && event.kind !== 'notice' && event.kind !== 'error') return false;
  return !text || event.message.toLowerCase().includes(text.toLowerCase());
}
