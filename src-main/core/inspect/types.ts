/** The inspector's public shapes: what a probe is asked to do and what it reports. */
import type { Problem } from '../problems.js';
import type { CertificateSummary } from './certificate-facts.js';

export type { CertificateSummary } from './certificate-facts.js';

export type TlsVersion = '1' | '1.1' | '1.2' | '1.3';

/** How the probe reaches the broker: TLS (mqtts, wss) or plain (mqtt, ws, to diagnose a plain port). */
export type TargetScheme = 'mqtts' | 'wss' | 'mqtt' | 'ws';

export interface ProbeTarget {
  scheme: TargetScheme;
  host: string;
  port: number;
  /** HTTP path of the websocket endpoint (ws/wss), e.g. `/mqtt`. */
  path: string;
  /** The target as a person writes it: `host:port` for mqtts, else a URL. */
  display: string;
}

export type ClientIdentity =
  | { kind: 'pem'; certPem: string; keyPem: string; passphrase?: string; label?: string }
  | { kind: 'pkcs12'; pfx: Buffer; passphrase?: string; label?: string };

export interface MqttConnectOptions {
  clientId?: string;
  username?: string;
  password?: string;
  /** 4 = MQTT 3.1.1 (default), 5 = MQTT 5. */
  protocolVersion?: 4 | 5;
}

export interface ProbeOptions {
  /** CAs to trust (PEM text; label names its source in messages), or the system's roots (default). */
  trust?: 'system' | { caPem: string; label?: string };
  /** SNI to send and the name to check the certificate against, instead of the target host. */
  servername?: string;
  /** ALPN protocols to offer, e.g. `['x-amzn-mqtt-ca']`. */
  alpn?: string[];
  clientCert?: ClientIdentity;
  tlsMin?: TlsVersion;
  tlsMax?: TlsVersion;
  /** CRLs (PEM) to check the server's chain against. */
  crlPem?: string;
  /** CAs known from elsewhere (the workspace's), PEM: never trusted, only to tell a missing intermediate
   *  from an untrusted root when the server's chain stops short. */
  knownCasPem?: string;
  /** Send an MQTT 3.1.1 CONNECT after the handshake and report the CONNACK. */
  mqtt?: boolean | MqttConnectOptions;
  /** The whole probe ends within this many milliseconds (default 10 000). */
  timeoutMs?: number;
  /** Called with each NSS key log line (`SSLKEYLOGFILE` format) of every TLS handshake the probe makes. */
  onKeylog?: (line: Buffer) => void;
}

export interface ValidationStep {
  /** What was checked, in plain words. */
  check: string;
  ok: boolean;
  detail: string;
}

export interface HostnameCheck {
  /** The name or IP the certificate must match (the SNI override, else the target host). */
  name: string;
  kind: 'dns' | 'ip';
  matched: boolean;
  /** `SAN`, `CN` (DNS name only in the CN, no SAN), or null when it did not match. */
  matchedBy: 'SAN' | 'CN' | null;
  /** The classic mistake: the IP is in the subject CN but not in the SAN. */
  ipOnlyInCommonName: boolean;
}

export interface ChainShape {
  count: number;
  /** Each certificate is issued by the one after it (duplicates aside). */
  inOrder: boolean;
  /** Positions (0-based) of certificates the server sent more than once (the later copies). */
  duplicates: number[];
  /** The server sent a self-signed CA certificate (harmless but useless to a client). */
  rootSent: boolean;
  /** Sentences about the order, for the human view. */
  remarks: string[];
}

export interface ClientAuthReport {
  /** The server sent a CertificateRequest. */
  requested: boolean;
  /** Names of the CAs the server says it accepts client certificates from (may be empty). */
  acceptableCAs: string[];
  /** The certificate we offered, if any. */
  offered: CertificateSummary | null;
  /** How many certificates our Certificate message carried, when it could be read (0 = none sent). */
  certificatesSent: number | null;
  /** true: the server went on after our certificate; false: it refused; null: not requested or unknown. */
  accepted: boolean | null;
  /** The alert the server sent about it, e.g. `unknown_ca`. */
  serverAlert: string | null;
}

export interface MqttReport {
  /** The MQTT version the probe spoke: 4 (3.1.1) or 5. */
  protocolVersion: 4 | 5;
  /** CONNACK return code (3.1.1) or reason code (MQTT 5), or null when none came back. */
  returnCode: number | null;
  /** MQTT 5: the Reason String that came with the CONNACK (a broker's own words on a refusal). */
  reasonString?: string;
  sessionPresent: boolean | null;
  /** The return code's meaning, or what happened instead of a CONNACK. */
  result: string;
  clientId: string;
  username: string | null;
}

export interface TimelineEntry {
  /** Milliseconds since the probe started. */
  atMs: number;
  from: 'client' | 'server' | 'probe';
  /** e.g. `ClientHello`, `Certificate`, `alert certificate_required`, `CONNACK`. */
  event: string;
  detail: string;
  /** Whether the message travelled encrypted (TLS 1.3 handshake, after ChangeCipherSpec in 1.2). */
  encrypted: boolean;
}

export interface Note {
  message: string;
  fix: string;
}

export interface InspectReport {
  /** The handshake succeeded (and the MQTT CONNECT, when asked) and nothing would make a client refuse. */
  ok: boolean;
  target: string;
  host: string;
  port: number;
  scheme: TargetScheme;
  /** e.g. `TLSv1.3`; null when no version was agreed. */
  protocol: string | null;
  /** The cipher suite as openssl names it, e.g. `TLS_AES_256_GCM_SHA384`, `ECDHE-RSA-AES128-GCM-SHA256`. */
  cipher: string | null;
  /** The same suite's IANA name. */
  cipherIana: string | null;
  /** The SNI we sent (null: none, e.g. for an IP address). */
  servername: string | null;
  /** The ALPN protocol the server selected. */
  alpn: string | null;
  /** Key-exchange group, e.g. `x25519`, `secp256r1` (or `DHE 2048`). */
  keyExchange: string | null;
  helloRetryRequest: boolean;
  /** The server's certificates exactly as it sent them: order, duplicates and root included. */
  chain: CertificateSummary[];
  chainShape: ChainShape | null;
  validation: {
    /** Where the trusted CAs came from: `system` or the CA file's label. */
    trust: string;
    trusted: boolean;
    steps: ValidationStep[];
    hostname: HostnameCheck | null;
    /** OpenSSL's own verdict on the chain with the same trust (Node's authorizationError), or null if OK. */
    opensslVerdict: string | null;
  };
  clientAuth: ClientAuthReport;
  mqtt: MqttReport | null;
  timeline: TimelineEntry[];
  problems: Problem[];
  /** Things worth knowing that do not make a client fail (e.g. the root is sent, a CN-only match). */
  notes: Note[];
  /**
   * Local TCP ports of the probe's connections, in the order opened (a broker's log shows them as the
   * client's port: the way to find this probe there).
   */
  localPorts: number[];
  durationMs: number;
}
