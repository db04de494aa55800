import type { OptionSpec } from '../command.js';

/**
 * The options `pub`, `sub` and `bench` share (CLI.md, "Devices"): where to connect and as whom.
 * Kept free of the client's code so `--help` and the dispatcher load nothing heavy.
 */
export const TARGET_OPTIONS: Record<string, OptionSpec> = {
  url: {
    type: 'string',
    value: 'URL',
    description: 'mqtts://HOST:PORT (also mqtt://, ws://, wss://); default: the workspace broker',
  },
  host: { type: 'string', short: 'h', value: 'HOST', description: 'broker host (instead of --url)' },
  port: { type: 'string', short: 'p', value: 'PORT', description: 'broker port (1883, or 8883 with TLS)' },
};

export const IDENTITY_OPTIONS: Record<string, OptionSpec> = {
  as: {
    type: 'string',
    value: 'NAME',
    description: 'a workspace certificate with its key and chain; trusts the workspace CA',
  },
  cert: { type: 'string', value: 'FILE', description: 'client certificate (PEM or DER, may hold the chain)' },
  key: {
    type: 'string',
    value: 'FILE',
    description: 'its private key (PEM/DER; encrypted: --passphrase-file)',
  },
  ca: { type: 'string', value: 'FILE', description: 'CA certificates to trust for the broker (PEM)' },
  p12: { type: 'string', value: 'FILE', description: 'a PKCS#12 file with key, certificate and chain' },
  'passphrase-file': {
    type: 'string',
    value: 'FILE',
    description: 'the passphrase of --key or --p12 (first line of FILE)',
  },
  username: { type: 'string', short: 'u', value: 'USER', description: 'MQTT username' },
  'password-file': { type: 'string', value: 'FILE', description: 'the MQTT password (first line of FILE)' },
  insecure: { type: 'boolean', description: "do not check the broker's certificate (it is still reported)" },
  servername: { type: 'string', value: 'NAME', description: 'SNI to send and name to check instead of HOST' },
  alpn: { type: 'string', value: 'PROTO', description: 'ALPN protocols to offer, comma-separated' },
  'protocol-version': {
    type: 'string',
    short: 'V',
    value: '3.1.1|5',
    description: 'MQTT version (default 5)',
  },
  id: { type: 'string', short: 'i', value: 'ID', description: 'client id (default: chosen for you)' },
  'connect-timeout': {
    type: 'string',
    value: 'S',
    description: 'seconds for TCP, TLS and CONNACK together (default 10)',
  },
};

export const PROPERTY_OPTIONS: Record<string, OptionSpec> = {
  'user-property': {
    type: 'string',
    multiple: true,
    value: 'K=V',
    description: 'MQTT 5 user property (repeatable)',
  },
  'content-type': { type: 'string', value: 'T', description: 'MQTT 5 content type' },
  'message-expiry': { type: 'string', value: 'S', description: 'MQTT 5 message expiry interval in seconds' },
  'response-topic': { type: 'string', value: 'T', description: 'MQTT 5 response topic' },
  'correlation-data': { type: 'string', value: 'D', description: 'MQTT 5 correlation data (text)' },
};
