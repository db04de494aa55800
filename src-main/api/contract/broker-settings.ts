// The Broker view's settings (issue #18): broker/mosquitto.conf as a form and as text, the files it names,
// password users and PSK identities, validated with the conf parser, the file checks and the export lint.
import { z } from 'zod';
import { method, returns } from './method.js';
import type { BrokerSettingsForm } from '../../core/conf/index.js';
import type { BrokerSettingsView, SettingsIssue, SettingsReload } from '../../core/broker/index.js';

const text = z.string().max(4096);
const security = z
  .object({
    allowAnonymous: z.boolean().optional(),
    passwordFile: text.optional(),
    aclFile: text.optional(),
    pskFile: text.optional(),
  })
  .strict();

/** A port as typed: a number, or text the handler names as the wrong field when it is not one. */
const port = z.union([z.number(), z.string().max(32)]);

const listener = z
  .object({
    origin: z.number().int().min(0).optional(),
    port,
    bindAddress: text.optional(),
    protocol: z.string().max(32),
    cafile: text.optional(),
    capath: text.optional(),
    certfile: text.optional(),
    keyfile: text.optional(),
    crlfile: text.optional(),
    ciphers: text.optional(),
    ciphersTls13: text.optional(),
    tlsVersion: z.string().max(32).optional(),
    requireCertificate: z.boolean().optional(),
    useIdentityAsUsername: z.boolean().optional(),
    useSubjectAsUsername: z.boolean().optional(),
    pskHint: text.optional(),
    tlsEngine: text.optional(),
    tlsKeyform: z.string().max(32).optional(),
    tlsEngineKpassSha1: text.optional(),
    security: security.optional(),
  })
  .strict();

export const settingsFormSchema = z
  .object({
    perListenerSettings: z.boolean(),
    security,
    listeners: z.array(listener).max(64),
  })
  .strict();

const change = {
  /** The whole conf (raw editor), or the form (applied to the conf on disk, keeping every other line). */
  text: z
    .string()
    .max(1024 * 1024)
    .optional(),
  form: settingsFormSchema.optional(),
  /** The text the form was read from when it is not the conf on disk (the raw editor's, unsaved). */
  base: z
    .string()
    .max(1024 * 1024)
    .optional(),
  /** Files the settings name, written into broker/ with them. */
  files: z
    .array(
      z
        .object({
          path: z.string().min(1).max(255),
          from: z.union([
            z
              .object({ workshop: z.string().min(1).max(255), part: z.enum(['chain', 'key', 'ca', 'crl']) })
              .strict(),
            z.object({ base64: z.string().max(2 * 1024 * 1024) }).strict(),
          ]),
        })
        .strict(),
    )
    .max(32)
    .optional(),
  /** Password users to add or change (password given) or remove (no password). */
  passwords: z
    .array(
      z
        .object({
          file: z.string().min(1).max(255),
          username: z.string().max(1024),
          password: z.string().max(4096).optional(),
        })
        .strict(),
    )
    .max(256)
    .optional(),
  /** PSK identities to add or change (hex given) or remove. */
  psk: z
    .array(
      z
        .object({
          file: z.string().min(1).max(255),
          identity: z.string().max(1024),
          hex: z.string().max(1024).optional(),
        })
        .strict(),
    )
    .max(256)
    .optional(),
};

export interface SettingsCheck {
  /** The conf text the change leads to. */
  text: string;
  form?: BrokerSettingsForm;
  issues: SettingsIssue[];
  /** True when nothing in the way of saving (no error). */
  ok: boolean;
}

export interface SettingsSaved {
  settings: BrokerSettingsView;
  /** Files written (workspace-relative), the conf first. */
  written: string[];
  /** When the workspace broker is running: what it reloaded, and what needs a restart. */
  reload?: SettingsReload;
}

export const brokerSettingsMethods = {
  /** The workspace broker's settings: text, form, issues, password users, PSK identities, workshop picks, commands. */
  'broker.settings': method(z.object({}).strict(), returns<BrokerSettingsView>(), {
    readonly: true,
    example: {},
  }),
  /** Check a change without writing anything: the new text and every issue, located (line, field). */
  'broker.validateSettings': method(z.object(change).strict(), returns<SettingsCheck>(), {
    readonly: true,
    example: { text: 'listener 1883\n' },
  }),
  /** Save a change atomically (conf and files together); refused with the first error, nothing written. */
  'broker.saveSettings': method(z.object(change).strict(), returns<SettingsSaved>()),
};

export interface BrokerSettingsEvents {
  /** The workspace broker's settings were saved (by any surface). */
  'broker.settingsChanged': { written: string[] };
}
