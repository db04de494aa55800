import type { ConnectionProfile } from '../../../../src-main/api/contract/client.js';

/** The profile form's flat model (every input bound to one field). */
export interface ProfileDraft {
  name: string;
  url: string;
  protocol: '3.1.1' | '5.0';
  clientId: string;
  username: string;
  password: string;
  savePassword: boolean;
  clean: boolean;
  keepalive: number;
  connectTimeout: number;
  sessionExpiry: string;
  logSize: number;
  reconnectPeriod: number;
  trustKind: 'system' | 'workspace' | 'file';
  trustCa: string;
  trustPath: string;
  certKind: 'none' | 'workspace' | 'files' | 'pkcs12';
  certName: string;
  certPath: string;
  keyPath: string;
  p12Path: string;
  passphrase: string;
  savePassphrase: boolean;
  servername: string;
  alpn: string;
  verifyServer: boolean;
  /** Write a TLS key log (NSS SSLKEYLOGFILE) for Wireshark; off by default. */
  keyLog: boolean;
  keyLogFile: string;
  /** Keep the key log path in profiles.json (tls.saveKeyLogFile); else it is given at each connect. */
  saveKeyLogFile: boolean;
  willTopic: string;
  willPayload: string;
  willFormat: 'text' | 'json' | 'hex' | 'base64';
  willQos: 0 | 1 | 2;
  willRetain: boolean;
}

export function emptyDraft(): ProfileDraft {
  return {
    name: '',
    url: 'mqtts://localhost:8883',
    protocol: '3.1.1',
    clientId: '',
    username: '',
    password: '',
    savePassword: false,
    clean: true,
    keepalive: 60,
    connectTimeout: 10,
    sessionExpiry: '',
    logSize: 10_000,
    reconnectPeriod: 0,
    trustKind: 'workspace',
    trustCa: '',
    trustPath: '',
    certKind: 'workspace',
    certName: '',
    certPath: '',
    keyPath: '',
    p12Path: '',
    passphrase: '',
    savePassphrase: false,
    servername: '',
    alpn: '',
    verifyServer: true,
    keyLog: false,
    keyLogFile: '',
    saveKeyLogFile: false,
    willTopic: '',
    willPayload: '',
    willFormat: 'text',
    willQos: 0,
    willRetain: false,
  };
}

export function draftFrom(p: ConnectionProfile): ProfileDraft {
  const d = emptyDraft();
  const trust = p.tls.trust;
  const cert = p.tls.clientCert;
  return {
    ...d,
    name: p.name,
    url: p.url,
    protocol: p.protocol,
    clientId: p.clientId,
    username: p.username ?? '',
    password: p.password ?? '',
    savePassword: p.savePassword,
    clean: p.clean,
    keepalive: p.keepalive,
    connectTimeout: p.connectTimeout,
    sessionExpiry: p.sessionExpiry === undefined ? '' : String(p.sessionExpiry),
    logSize: p.logSize,
    reconnectPeriod: p.reconnectPeriod ?? 0,
    trustKind: trust.kind,
    trustCa: trust.kind === 'workspace' ? trust.ca : '',
    trustPath: trust.kind === 'file' ? trust.path : '',
    certKind: cert.kind,
    certName: cert.kind === 'workspace' ? cert.name : '',
    certPath: cert.kind === 'files' ? cert.certPath : '',
    keyPath: cert.kind === 'files' ? cert.keyPath : '',
    p12Path: cert.kind === 'pkcs12' ? cert.path : '',
    passphrase: (cert.kind === 'files' || cert.kind === 'pkcs12' ? cert.passphrase : undefined) ?? '',
    savePassphrase: p.tls.savePassphrase,
    servername: p.tls.servername ?? '',
    alpn: (p.tls.alpn ?? []).join(', '),
    verifyServer: p.tls.verifyServer,
    keyLog: Boolean(p.tls.keyLogFile),
    keyLogFile: p.tls.keyLogFile ?? '',
    saveKeyLogFile: p.tls.saveKeyLogFile,
    willTopic: p.will?.topic ?? '',
    willPayload: p.will?.payload ?? '',
    willFormat: p.will?.format ?? 'text',
    willQos: p.will?.qos ?? 0,
    willRetain: p.will?.retain ?? false,
  };
}

/** The profile the api validates (field errors come back naming these fields). */
export function profileFrom(d: ProfileDraft): Record<string, unknown> {
  const trust =
    d.trustKind === 'workspace'
      ? { kind: 'workspace', ca: d.trustCa.trim() }
      : d.trustKind === 'file'
        ? { kind: 'file', path: d.trustPath.trim() }
        : { kind: 'system' };
  const keep = d.savePassphrase && d.passphrase ? { passphrase: d.passphrase } : {};
  const clientCert =
    d.certKind === 'workspace'
      ? { kind: 'workspace', name: d.certName.trim() }
      : d.certKind === 'files'
        ? { kind: 'files', certPath: d.certPath.trim(), keyPath: d.keyPath.trim(), ...keep }
        : d.certKind === 'pkcs12'
          ? { kind: 'pkcs12', path: d.p12Path.trim(), ...keep }
          : { kind: 'none' };
  return {
    name: d.name.trim(),
    url: d.url.trim(),
    protocol: d.protocol,
    clientId: d.clientId,
    ...(d.username ? { username: d.username } : {}),
    ...(d.password && d.savePassword ? { password: d.password } : {}),
    savePassword: d.savePassword,
    clean: d.clean,
    keepalive: d.keepalive,
    connectTimeout: d.connectTimeout,
    ...(d.sessionExpiry.trim() ? { sessionExpiry: d.sessionExpiry.trim() } : {}),
    logSize: d.logSize,
    reconnectPeriod: d.reconnectPeriod,
    tls: {
      trust,
      clientCert,
      ...(d.servername.trim() ? { servername: d.servername.trim() } : {}),
      ...(d.alpn.trim() ? { alpn: d.alpn } : {}),
      verifyServer: d.verifyServer,
      savePassphrase: d.savePassphrase,
      // The key log path goes into the profile only when the user asked to remember it.
      ...(d.keyLog && d.saveKeyLogFile && d.keyLogFile.trim() ? { keyLogFile: d.keyLogFile.trim() } : {}),
      saveKeyLogFile: d.keyLog && d.saveKeyLogFile,
    },
    ...(d.willTopic.trim()
      ? {
          will: {
            topic: d.willTopic.trim(),
            payload: d.willPayload,
            format: d.willFormat,
            qos: d.willQos,
            retain: d.willRetain,
          },
        }
      : {}),
  };
}

/** What `client.connect` takes for this connection only (not saved unless the profile says so). */
export interface ConnectExtras {
  password?: string;
  passphrase?: string;
  keyLogFile?: string;
}

/** Secrets (and the key log file) given for this connection only (not saved unless the profile says so). */
export function secretsFrom(d: ProfileDraft): ConnectExtras {
  const secure = /^(mqtts|wss):/i.test(d.url.trim());
  return {
    ...(secure && d.keyLog && d.keyLogFile.trim() ? { keyLogFile: d.keyLogFile.trim() } : {}),
    ...(d.password ? { password: d.password } : {}),
    ...(d.passphrase && (d.certKind === 'files' || d.certKind === 'pkcs12')
      ? { passphrase: d.passphrase }
      : {}),
  };
}

/** A problem the form can name before asking the api (the api checks the path itself). */
export function draftProblem(d: ProfileDraft): { message: string; field: string } | null {
  const secure = /^(mqtts|wss):/i.test(d.url.trim());
  if (secure && d.keyLog && !d.keyLogFile.trim()) {
    return { message: 'keyLogFile: give the file to write the TLS key log to', field: 'keyLogFile' };
  }
  return null;
}
