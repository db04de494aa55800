import { UserError } from '../user-error.js';
import { TLS_VERSIONS, type ListenerSettings, type MosquittoConf, type SecuritySettings } from './model.js';
import { LISTENER_KEYWORDS, SECURITY_KEYWORDS } from './options.js';

/**
 * The part of a mosquitto.conf the Broker view edits as a form: the listeners with their TLS and
 * authentication options, and the security settings. Bridges, logging, ignored options and comments are
 * not in it: the conf editor keeps those lines as they are.
 */
export interface SettingsListener extends ListenerSettings {
  /** Index of the listener in the conf the form was read from; absent for a new listener. */
  origin?: number;
}

export interface BrokerSettingsForm {
  perListenerSettings: boolean;
  /** The global security settings (used when `perListenerSettings` is false). */
  security: SecuritySettings;
  listeners: SettingsListener[];
}

/** Listener fields the form edits, in the order the formatter writes them. */
export const FORM_LISTENER_FIELDS = [
  'cafile',
  'capath',
  'certfile',
  'keyfile',
  'crlfile',
  'tlsVersion',
  'ciphers',
  'ciphersTls13',
  'requireCertificate',
  'useIdentityAsUsername',
  'useSubjectAsUsername',
  'pskHint',
  'tlsKeyform',
  'tlsEngine',
  'tlsEngineKpassSha1',
] as const satisfies ReadonlyArray<keyof ListenerSettings>;

export const FORM_SECURITY_FIELDS = [
  'allowAnonymous',
  'passwordFile',
  'aclFile',
  'pskFile',
] as const satisfies ReadonlyArray<keyof SecuritySettings>;

/** The form of a parsed conf (listener `origin` = its index). */
export function settingsFormOf(conf: MosquittoConf): BrokerSettingsForm {
  return {
    perListenerSettings: conf.perListenerSettings,
    security: pickSecurity(conf.security),
    listeners: conf.listeners.map((listener, index) => {
      const out: SettingsListener = { ...pickListener(listener), origin: index };
      if (conf.perListenerSettings) out.security = pickSecurity(listener.security ?? {});
      return out;
    }),
  };
}

function pickSecurity(security: SecuritySettings): SecuritySettings {
  const out: SecuritySettings = {};
  for (const field of FORM_SECURITY_FIELDS) {
    if (security[field] !== undefined) (out as Record<string, unknown>)[field] = security[field];
  }
  return out;
}

function pickListener(listener: ListenerSettings): ListenerSettings {
  const out: ListenerSettings = { port: listener.port, protocol: listener.protocol };
  if (listener.bindAddress) out.bindAddress = listener.bindAddress;
  for (const field of FORM_LISTENER_FIELDS) {
    if (listener[field] !== undefined) (out as unknown as Record<string, unknown>)[field] = listener[field];
  }
  return out;
}

/** The form without origins, optional-empty values dropped: two forms that write the same conf compare equal. */
export function normalizeForm(form: BrokerSettingsForm): BrokerSettingsForm {
  return {
    perListenerSettings: form.perListenerSettings,
    security: form.perListenerSettings ? {} : pickSecurity(form.security),
    listeners: form.listeners.map((listener) => {
      const out = pickListener(listener);
      if (form.perListenerSettings) out.security = pickSecurity(listener.security ?? {});
      return out;
    }),
  };
}

/** `listeners[1].cafile` → `listener 8884, cafile` (what the user sees next to an error). */
export function describeField(form: BrokerSettingsForm, path: string): string {
  const match = /^listeners\[(\d+)\](?:\.security)?\.?(.*)$/.exec(path);
  if (!match) {
    const field = path.replace(/^security\./, '') as keyof SecuritySettings;
    return SECURITY_KEYWORDS[field] ?? (path === 'perListenerSettings' ? 'per_listener_settings' : path);
  }
  const listener = form.listeners[Number(match[1])];
  const name = listener ? `listener ${listener.port}` : `listener #${Number(match[1]) + 1}`;
  const field = match[2];
  if (!field) return name;
  const keyword =
    field === 'port'
      ? 'port'
      : field === 'bindAddress'
        ? 'bind address'
        : field === 'protocol'
          ? 'protocol'
          : (LISTENER_KEYWORDS[field as keyof ListenerSettings] ??
            SECURITY_KEYWORDS[field as keyof SecuritySettings] ??
            field);
  return `${name}, ${keyword}`;
}

function refuse(form: BrokerSettingsForm, path: string, message: string): never {
  throw new UserError(`${describeField(form, path)}: ${message}`, 'BAD_SETTINGS', { field: path });
}

/**
 * Check what a single field can get wrong on its own (the conf parser checks how fields combine): a port,
 * an address, a value Mosquitto would read differently (line breaks, spaces where one word is read, empty).
 * Throws a UserError whose `field` is the setting path, e.g. `listeners[1].tlsVersion`.
 */
export function checkSettingsForm(form: BrokerSettingsForm): void {
  if (form.listeners.length === 0) refuse(form, 'listeners', 'keep at least one listener');
  form.listeners.forEach((listener, index) => {
    const at = (field: string) => `listeners[${index}].${field}`;
    if (!Number.isInteger(listener.port) || listener.port < 1 || listener.port > 65535) {
      refuse(form, at('port'), `${String(listener.port)} is not a TCP port (1 to 65535)`);
    }
    if (listener.bindAddress !== undefined && !/^[A-Za-z0-9.:%_-]+$/.test(listener.bindAddress)) {
      refuse(
        form,
        at('bindAddress'),
        `"${listener.bindAddress}" is not an address or host name (one word, e.g. 127.0.0.1 or ::1; empty = loopback)`,
      );
    }
    // One port on every address (no bind address) and on one address clash too: the second bind fails.
    const other = form.listeners.findIndex(
      (l, i) =>
        i < index &&
        l.port === listener.port &&
        (!l.bindAddress || !listener.bindAddress || l.bindAddress === listener.bindAddress),
    );
    if (other >= 0) {
      refuse(form, at('port'), `listener #${other + 1} already uses port ${listener.port} on this address`);
    }
    if (listener.protocol !== 'mqtt' && listener.protocol !== 'websockets') {
      refuse(form, at('protocol'), 'use mqtt or websockets');
    }
    if (
      listener.tlsVersion !== undefined &&
      !(TLS_VERSIONS as readonly string[]).includes(listener.tlsVersion)
    ) {
      refuse(form, at('tlsVersion'), `use one of ${TLS_VERSIONS.join(', ')} (a minimum)`);
    }
    if (listener.tlsKeyform !== undefined && !['pem', 'engine'].includes(listener.tlsKeyform)) {
      refuse(form, at('tlsKeyform'), 'use pem or engine');
    }
    for (const field of FORM_LISTENER_FIELDS) {
      const value = listener[field];
      if (typeof value === 'string') checkText(form, at(field), value, field !== 'pskHint');
    }
    if (form.perListenerSettings)
      checkSecurity(form, listener.security ?? {}, `listeners[${index}].security`);
  });
  if (!form.perListenerSettings) checkSecurity(form, form.security, 'security');
}

function checkSecurity(form: BrokerSettingsForm, security: SecuritySettings, prefix: string): void {
  for (const field of ['passwordFile', 'aclFile', 'pskFile'] as const) {
    const value = security[field];
    if (value !== undefined) checkText(form, `${prefix}.${field}`, value, true);
  }
}

function checkText(form: BrokerSettingsForm, path: string, value: string, oneWord: boolean): void {
  if (/[\r\n]/.test(value)) refuse(form, path, 'a mosquitto.conf value cannot contain a line break');
  if (value.trim() === '') refuse(form, path, 'empty value: clear the field to leave the option out');
  if (value !== value.trim()) refuse(form, path, 'remove the spaces around the value');
  if (oneWord && /\s/.test(value) && !path.endsWith('ciphers') && !path.endsWith('ciphersTls13')) {
    refuse(
      form,
      path,
      `"${value}" contains a space: the workspace broker's files are named without spaces (Mosquitto would read the whole rest of the line as the path)`,
    );
  }
}
