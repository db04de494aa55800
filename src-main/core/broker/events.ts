import type { ProblemCode } from '../problems.js';

/** The TLS side of a connection, as negotiated. */
export interface TlsDetails {
  /** e.g. `TLSv1.3`. */
  protocol?: string;
  /** OpenSSL name of the cipher suite, e.g. `TLS_AES_256_GCM_SHA384`. */
  cipher?: string;
  /** The server name the client asked for (SNI), if any. */
  servername?: string;
  /** The ALPN protocol negotiated, if any. */
  alpn?: string;
  /** The PSK identity the client used (TLS-PSK listeners). */
  pskIdentity?: string;
}

/** The client certificate a client presented. */
export interface ClientCertificateSummary {
  /** RFC 2253, as Mosquitto's use_subject_as_username prints it. */
  subject: string;
  issuer: string;
  /** Serial number, uppercase hex. */
  serial: string;
  /** SHA-256 fingerprint, colon-separated uppercase hex. */
  fingerprint256: string;
  notAfter: string;
}

export type BrokerEventKind =
  | 'listening'
  | 'connected'
  | 'refused'
  | 'disconnected'
  | 'acl-denied'
  | 'reloaded'
  | 'notice'
  | 'error'
  | 'bridge'
  | 'stopped';

/** The deciding ACL rule of a denial, with the file it is in. */
export interface AclRuleRef {
  file: string;
  line: number;
  text: string;
}

/**
 * One entry of the broker's event log: one per connection event (accepted, refused, closed), ACL denial,
 * reload, or notice. `message` is the whole entry in plain words, ready to print on one line.
 */
export interface BrokerEvent {
  /** Increasing number, unique per broker run. */
  seq: number;
  /** ISO 8601. */
  time: string;
  kind: BrokerEventKind;
  level: 'info' | 'warning' | 'error';
  message: string;
  /** URL of the listener the event happened on, e.g. `mqtts://127.0.0.1:8883`. */
  listener?: string;
  /** Number of the connection on this broker (stable across the events of one connection). */
  connection?: number;
  remoteAddress?: string;
  remotePort?: number;
  tls?: TlsDetails;
  clientCertificate?: ClientCertificateSummary;
  username?: string;
  clientId?: string;
  /** The client's MQTT protocol level, once its CONNECT arrived: 3 (MQTT 3.1), 4 (3.1.1) or 5. */
  protocolVersion?: number;
  /** CONNACK return code sent (0 accepted; 1–5 refused), or its MQTT 3.1.1 equivalent for an MQTT 5 client. */
  returnCode?: number;
  /** MQTT 5 reason code sent (CONNACK, PUBACK, SUBACK or DISCONNECT), e.g. 0x87 Not authorized. */
  reasonCode?: number;
  /** Its name (MQTT 5.0 table 2-6), e.g. `Not authorized`. */
  reasonName?: string;
  /** MQTT 5 properties of a refused packet that explain the refusal, e.g. `{ authenticationMethod: 'SCRAM-SHA-1' }`. */
  properties?: Record<string, string | number | boolean>;
  /** Why something was refused or closed, in plain words. */
  reason?: string;
  problem?: ProblemCode;
  /** ACL denial details. */
  access?: 'read' | 'write';
  topic?: string;
  rule?: AclRuleRef;
  /** Bridge events: the `connection` name. */
  bridge?: string;
  /** For reloads and configuration notices: the file (and line) concerned. */
  file?: string;
  line?: number;
}

/** The event without the fields the log fills in. */
export type BrokerEventInput = Omit<BrokerEvent, 'seq' | 'time'>;

/** One line for a terminal: the time and the message (which starts with what happened). */
export function formatBrokerEvent(event: BrokerEvent): string {
  return `${event.time} ${event.message}`;
}
