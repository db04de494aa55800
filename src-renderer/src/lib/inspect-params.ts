/**
 * The Inspector's route params: other views link to it with `navigate('inspector', {...})`.
 *
 *   target      host:port or a URL (mqtts://, wss://, mqtt://, ws://)     e.g. localhost:8883
 *   servername  SNI to send and the name to check the certificate against
 *   trust       `system`, or the name of a workspace CA to trust
 *   cert        a workspace certificate to present as client certificate
 *   alpn        ALPN protocols, comma-separated
 *   tlsMin      `1.2` | `1.3`;  tlsMax  `1.2` | `1.3`
 *   mqtt        `1` to send an MQTT CONNECT after the handshake, `0` not to
 *   username    MQTT username
 *   run         `1` to inspect at once
 *
 * Unknown params and invalid values are ignored (the form keeps what it had).
 */
export interface InspectForm {
  target?: string;
  servername?: string;
  trustKind?: 'system' | 'workspace';
  trustCa?: string;
  clientKind?: 'none' | 'workspace';
  clientName?: string;
  alpn?: string;
  tlsMin?: '1.2' | '1.3';
  tlsMax?: '1.2' | '1.3';
  mqtt?: boolean;
  username?: string;
  run?: boolean;
}

const version = (value: string | undefined): '1.2' | '1.3' | undefined =>
  value === '1.2' || value === '1.3' ? value : undefined;

/** The form fields that route params set (only those given and valid). */
export function inspectFormFromParams(params: Record<string, string>): InspectForm {
  const form: InspectForm = {};
  const text = (key: string) => {
    const value = params[key]?.trim();
    return value ? value : undefined;
  };
  const target = text('target');
  if (target) form.target = target;
  const servername = text('servername');
  if (servername) form.servername = servername;
  const trust = text('trust');
  if (trust === 'system') form.trustKind = 'system';
  else if (trust) {
    form.trustKind = 'workspace';
    form.trustCa = trust;
  }
  const cert = text('cert');
  if (cert) {
    form.clientKind = 'workspace';
    form.clientName = cert;
  }
  const alpn = text('alpn');
  if (alpn) form.alpn = alpn;
  const tlsMin = version(text('tlsMin'));
  if (tlsMin) form.tlsMin = tlsMin;
  const tlsMax = version(text('tlsMax'));
  if (tlsMax) form.tlsMax = tlsMax;
  const mqtt = text('mqtt');
  if (mqtt === '1' || mqtt === '0') form.mqtt = mqtt === '1';
  const username = text('username');
  if (username) form.username = username;
  if (text('run') === '1' && form.target) form.run = true;
  return form;
}
