// The inspect domain's api methods and events. See ../FOUNDATION.md for how to add methods.
import { z } from 'zod';
import { method, returns } from './method.js';
import type { BrokerSide, InspectFix, InspectReport } from '../../core/inspect/index.js';
import type { CertificateSummary } from '../../core/pki/index.js';

export type { BrokerSide, InspectFix } from '../../core/inspect/index.js';

/** A probe's report plus the same check as an `openssl s_client` line. */
export interface InspectResult extends InspectReport {
  opensslCommand: string;
  /**
   * When the target is the app's own running broker: its log entries for the probe's connections (matched
   * by the probe's local port, else its MQTT client id), with the refusal, if any. null for any other broker.
   */
  brokerSide: BrokerSide | null;
  /** One-click fixes for problems where the workspace owns the certificate at fault. */
  fixes: InspectFix[];
  /** With `keyLogFile`: the NSS key log the probe appended its TLS secrets to (lines written now). */
  keyLog?: { path: string; lines: number };
}

/** What `inspect.fix` did. */
export interface InspectFixResult {
  /** One sentence: what was changed. */
  done: string;
  /** Files written: workspace-relative (`certs/broker.crt`, `broker/server.crt`) or absolute (exports). */
  files: string[];
  /** The re-issued certificate (reissue-san). */
  certificate?: CertificateSummary;
  /**
   * The workspace broker reloaded the rewritten certfile (true), refused it (false, see reloadError), or
   * was not concerned (null: not running, or no broker file written).
   */
  reloaded: boolean | null;
  reloadError?: string;
}

/** A remembered probe (never a key, passphrase, password or PEM text: only names and settings). */
export interface InspectHistoryEntry {
  target: string;
  at: string;
  ok: boolean;
  codes: string[];
  trust: InspectTrust;
  servername?: string;
  alpn?: string[];
  tlsMin?: '1.2' | '1.3';
  tlsMax?: '1.2' | '1.3';
  /** The workspace certificate used as client identity, if any. */
  clientCertificate?: string;
  mqtt: boolean;
  username?: string;
}

const version = z.enum(['1.2', '1.3']);

/** Trust: the system's roots, a workspace CA (its chain's root), or PEM text the user chose. */
const trust = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('system') }).strict(),
  z.object({ kind: z.literal('workspace'), name: z.string().min(1).max(200) }).strict(),
  z
    .object({
      kind: z.literal('pem'),
      pem: z.string().min(1).max(2_000_000),
      label: z.string().max(4096).optional(),
    })
    .strict(),
]);
export type InspectTrust =
  { kind: 'system' } | { kind: 'workspace'; name: string } | { kind: 'pem'; label?: string };

const clientCert = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('workspace'), name: z.string().min(1).max(200) }).strict(),
  z
    .object({
      kind: z.literal('pem'),
      certPem: z.string().min(1).max(2_000_000),
      keyPem: z.string().min(1).max(2_000_000),
      passphrase: z.string().max(1024).optional(),
      label: z.string().max(4096).optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('pkcs12'),
      /** The .p12 file, base64. */
      pfx: z.string().min(1).max(4_000_000),
      passphrase: z.string().max(1024).optional(),
      label: z.string().max(4096).optional(),
    })
    .strict(),
]);

const mqtt = z.union([
  z.boolean(),
  z
    .object({
      clientId: z.string().max(65535).optional(),
      username: z.string().max(65535).optional(),
      password: z.string().max(65535).optional(),
      /** 4 = MQTT 3.1.1 (default), 5 = MQTT 5. */
      protocolVersion: z.union([z.literal(4), z.literal(5)]).optional(),
    })
    .strict(),
]);

export const inspectProbeParams = z
  .object({
    /** `host:port` (mqtts), or `mqtts://`, `wss://host:port/path`, `mqtt://`, `ws://` URLs. */
    target: z.string().min(1).max(2048),
    trust: trust.optional(),
    servername: z.string().min(1).max(255).optional(),
    alpn: z.array(z.string().min(1).max(255)).max(16).optional(),
    clientCert: clientCert.optional(),
    tlsMin: version.optional(),
    tlsMax: version.optional(),
    /** CRLs (PEM) to check the server's chain against. */
    crlPem: z.string().min(1).max(20_000_000).optional(),
    /** Or: the current CRL of these workspace CAs. */
    crlCas: z.array(z.string().min(1).max(200)).max(16).optional(),
    mqtt: mqtt.optional(),
    timeoutMs: z.number().int().min(100).max(120_000).optional(),
    /**
     * Append the probe's TLS secrets (NSS `SSLKEYLOGFILE` format) to this file so Wireshark can decrypt a
     * capture of it: an absolute path outside the workspace, in an existing folder; written 0600. Never
     * kept in the history.
     */
    keyLogFile: z.string().max(4096).optional(),
    /** Keep the target in the history (default true). */
    remember: z.boolean().optional(),
  })
  .strict();

export type InspectProbeParams = z.input<typeof inspectProbeParams>;

const commandParams = inspectProbeParams.omit({ remember: true, timeoutMs: true }).extend({
  /** File names to write into the command line (the user's own paths). */
  files: z
    .object({
      ca: z.string().optional(),
      cert: z.string().optional(),
      key: z.string().optional(),
      crl: z.string().optional(),
    })
    .strict()
    .optional(),
});

const certificateName = z.string().min(1).max(200);

export const inspectFixParams = z.discriminatedUnion('kind', [
  /** Re-issue a workspace server certificate with a SAN added; workspace broker certfiles holding it follow. */
  z
    .object({
      kind: z.literal('reissue-san'),
      certificate: certificateName,
      san: z.string().min(4).max(300),
    })
    .strict(),
  /** Rewrite the workspace broker certfile(s) holding this certificate with its full chain. */
  z.object({ kind: z.literal('broker-chain'), certificate: certificateName }).strict(),
  /** Write NAME.chain.crt (leaf + intermediates) into a folder the user named (for another broker). */
  z
    .object({
      kind: z.literal('export-chain'),
      certificate: certificateName,
      outDir: z.string().min(1).max(4096),
    })
    .strict(),
]);

export type InspectFixParams = z.input<typeof inspectFixParams>;

export const inspectMethods = {
  /** Probe a target: the handshake both ways, the chain as sent, diagnosis with fixes, MQTT CONNACK. */
  'inspect.probe': method(inspectProbeParams, returns<InspectResult>()),
  /** The same check as one `openssl s_client` command line. */
  'inspect.opensslCommand': method(commandParams, returns<string>(), {
    readonly: true,
    example: { target: 'localhost:8883' },
  }),
  /**
   * The trust to preselect for a target: when it is the app's own running broker on the workspace settings,
   * the workspace root CA its server certificate chains to (the user may change it); else null.
   */
  'inspect.suggestTrust': method(
    z.object({ target: z.string().min(1) }).strict(),
    returns<{ ca: string | null }>(),
    {
      readonly: true,
      example: { target: 'localhost:8883' },
    },
  ),
  /** Recent targets, newest first. */
  'inspect.history': method(z.object({}).strict(), returns<InspectHistoryEntry[]>(), {
    readonly: true,
    example: {},
  }),
  /** Carry out one of a probe's `fixes` (not trust-ca: that is a probe option). Inspect again to see it gone. */
  'inspect.fix': method(inspectFixParams, returns<InspectFixResult>()),
  /** Forget one target, or all of them. */
  'inspect.forget': method(
    z.object({ target: z.string().optional() }).strict(),
    returns<InspectHistoryEntry[]>(),
  ),
};

export interface InspectEvents {
  /** A probe finished (any surface): the history changed. */
  'inspect.probed': { target: string; ok: boolean; codes: string[] };
}
