import {
  isTrue,
  lastOption,
  type ConfOption,
  type ConfSections,
  type ListenerSection,
} from './conf-sections.js';
import type { Scheme } from './client-readme.js';

/**
 * What a client meets on each listener of a mosquitto.conf, with Mosquitto 2.0.11's scoping:
 * `password_file`, `acl_file`, `psk_file` and `allow_anonymous` are global unless
 * `per_listener_settings true`; TLS is on only with both certfile and keyfile.
 */
export interface ListenerView {
  section: ListenerSection;
  port: number;
  address?: string;
  scheme: Scheme;
  tls: boolean;
  websockets: boolean;
  requireCertificate: boolean;
  identity: 'cn' | 'subject' | 'connect';
  psk: boolean;
  /** The option lines in effect for this listener (global ones when not per listener). */
  cafile?: ConfOption;
  certfile?: ConfOption;
  keyfile?: ConfOption;
  crlfile?: ConfOption;
  tlsVersion?: string;
  passwordFile?: ConfOption;
  aclFile?: ConfOption;
  pskFile?: ConfOption;
  allowAnonymous: boolean;
}

function globalLast(sections: ConfSections, key: string): ConfOption | undefined {
  return lastOption(sections.all, key);
}

export function listenerViews(sections: ConfSections): ListenerView[] {
  const perListener = isTrue(lastOption(sections.all, 'per_listener_settings'));
  return sections.listeners.map((section) => {
    const o = section.options;
    const websockets = lastOption(o, 'protocol')?.value === 'websockets';
    const certfile = lastOption(o, 'certfile');
    const keyfile = lastOption(o, 'keyfile');
    const psk = !websockets && lastOption(o, 'psk_hint') !== undefined;
    const tls = (certfile !== undefined && keyfile !== undefined) || psk;
    const scoped = (key: string) => (perListener ? lastOption(o, key) : globalLast(sections, key));
    const requireCertificate = isTrue(lastOption(o, 'require_certificate'));
    // Both identity options apply on websockets listeners too (tried with Debian's Mosquitto 2.0.11 over wss).
    const identity = isTrue(lastOption(o, 'use_identity_as_username'))
      ? 'cn'
      : isTrue(lastOption(o, 'use_subject_as_username'))
        ? 'subject'
        : 'connect';
    const view: ListenerView = {
      section,
      port: Number(section.port),
      scheme: websockets ? (tls ? 'wss' : 'ws') : tls ? 'mqtts' : 'mqtt',
      tls,
      websockets,
      requireCertificate: tls && requireCertificate,
      identity,
      psk,
      allowAnonymous: isTrue(scoped('allow_anonymous')),
    };
    if (section.address) view.address = section.address;
    const set = <K extends keyof ListenerView>(key: K, value: ListenerView[K] | undefined) => {
      if (value !== undefined) view[key] = value;
    };
    set('cafile', lastOption(o, 'cafile'));
    set('certfile', certfile);
    set('keyfile', keyfile);
    set('crlfile', lastOption(o, 'crlfile'));
    set('tlsVersion', lastOption(o, 'tls_version')?.value);
    set('passwordFile', scoped('password_file'));
    set('aclFile', scoped('acl_file'));
    set('pskFile', scoped('psk_file'));
    return view;
  });
}
