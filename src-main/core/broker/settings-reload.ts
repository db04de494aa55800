import {
  effectiveSecurity,
  listenerScheme,
  normalizeForm,
  type BrokerSettingsForm,
  type MosquittoConf,
} from '../conf/index.js';

/** What a running broker does with saved settings: what it took at once, and what waits for a restart. */
export interface SettingsReload {
  /** Applied without a restart (files the broker watches and reloads). */
  live: string[];
  /** Changes of the conf itself: listeners, their TLS options, the security settings. */
  restart: string[];
}

function listenerName(l: { port: number; protocol: string; bindAddress?: string }): string {
  return `listener ${l.port}${l.bindAddress ? ` ${l.bindAddress}` : ''}${l.protocol === 'websockets' ? ' (websockets)' : ''}`;
}

/**
 * Compare the conf a broker runs with the saved one. Files named by both (certificates, keys, CA, CRL,
 * password, PSK and ACL files) are reloaded by the running broker as they change, as Mosquitto reloads
 * password/ACL/PSK files on SIGHUP; anything in the conf itself (a listener added, removed or changed, a
 * security option) needs a restart — Mosquitto needs one for listeners too.
 */
export function describeSettingsReload(
  running: MosquittoConf,
  saved: MosquittoConf,
  writtenFiles: string[],
): SettingsReload {
  const before = normalizeForm(formOf(running));
  const after = normalizeForm(formOf(saved));
  const restart: string[] = [];
  const live: string[] = [];
  if (before.perListenerSettings !== after.perListenerSettings) restart.push('per_listener_settings changed');
  if (JSON.stringify(before.security) !== JSON.stringify(after.security))
    restart.push('the security settings changed');
  const max = Math.max(before.listeners.length, after.listeners.length);
  for (let i = 0; i < max; i++) {
    const a = before.listeners[i];
    const b = after.listeners[i];
    if (!a) restart.push(`${listenerName(b!)} added`);
    else if (!b) restart.push(`${listenerName(a)} removed`);
    else if (JSON.stringify(a) !== JSON.stringify(b)) {
      const fields = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter(
        (k) =>
          JSON.stringify((a as unknown as Record<string, unknown>)[k]) !==
          JSON.stringify((b as unknown as Record<string, unknown>)[k]),
      );
      restart.push(`${listenerName(b)}: ${fields.join(', ')} changed`);
    }
  }
  const watched = new Set<string>();
  for (const l of running.listeners) {
    for (const f of [l.certfile, l.keyfile, l.cafile, l.crlfile]) if (f) watched.add(f);
    const s = effectiveSecurity(running, l);
    for (const f of [s.passwordFile, s.aclFile, s.pskFile]) if (f) watched.add(f);
  }
  for (const file of writtenFiles) {
    const name = file.replace(/^broker\//, '');
    if (name === 'mosquitto.conf') continue;
    if (watched.has(name)) live.push(`${name} reloaded by the running broker`);
  }
  void listenerScheme;
  return { live, restart };
}

function formOf(conf: MosquittoConf): BrokerSettingsForm {
  return {
    perListenerSettings: conf.perListenerSettings,
    security: conf.security,
    listeners: conf.listeners,
  };
}
