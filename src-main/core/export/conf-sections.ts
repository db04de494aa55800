import { trimEndOf } from '../text-scan.js';
/**
 * mosquitto.conf text seen the way Mosquitto 2.0.11 scopes it (src/conf.c): options before the first
 * `listener` are global, `listener PORT [ADDRESS]` opens a listener section, `connection NAME` opens a
 * bridge section. Only what the lint needs: option words and values with their lines, per section.
 */

export interface ConfOption {
  key: string;
  /** Everything after the key, trimmed ('' when none). */
  value: string;
  /** 1-based line in the file. */
  line: number;
}

export interface ListenerSection {
  /** The `listener` line. */
  start: ConfOption;
  port: string;
  address?: string;
  options: ConfOption[];
}

export interface BridgeSection {
  /** The `connection` line. */
  start: ConfOption;
  name: string;
  options: ConfOption[];
}

export interface ConfSections {
  file: string;
  global: ConfOption[];
  listeners: ListenerSection[];
  bridges: BridgeSection[];
  /** Every option in file order. */
  all: ConfOption[];
}

/** Options that belong to a bridge (`connection` section) rather than a listener. */
export function isBridgeOption(key: string): boolean {
  return (
    key === 'address' ||
    key === 'addresses' ||
    key === 'topic' ||
    key === 'remote_username' ||
    key === 'remote_password' ||
    key === 'remote_clientid' ||
    key === 'local_clientid' ||
    key === 'local_username' ||
    key === 'local_password' ||
    key === 'notifications' ||
    key === 'notification_topic' ||
    key === 'cleansession' ||
    key === 'keepalive_interval' ||
    key === 'start_type' ||
    key === 'try_private' ||
    key === 'restart_timeout' ||
    key === 'round_robin' ||
    key === 'idle_timeout' ||
    key === 'threshold' ||
    key.startsWith('bridge_')
  );
}

/** Split the text into options with their lines, Mosquitto style (`#` in column 1 is a comment). */
export function confOptions(text: string): ConfOption[] {
  const out: ConfOption[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = trimEndOf(lines[i]!, '\r\n');
    if (raw === '' || raw[0] === '#') continue;
    const content = trimEndOf(raw, ' \t');
    const trimmed = content.replace(/^ +/, '');
    if (trimmed === '') continue;
    const space = trimmed.indexOf(' ');
    const key = space < 0 ? trimmed : trimmed.slice(0, space);
    const value = space < 0 ? '' : trimmed.slice(space + 1).trim();
    out.push({ key, value, line: i + 1 });
  }
  return out;
}

export function confSections(text: string, file: string): ConfSections {
  const all = confOptions(text);
  const sections: ConfSections = { file, global: [], listeners: [], bridges: [], all };
  let listener: ListenerSection | undefined;
  let bridge: BridgeSection | undefined;
  for (const option of all) {
    if (option.key === 'listener') {
      const [port = '', address] = option.value.split(/\s+/);
      listener = { start: option, port, options: [] };
      if (address) listener.address = address;
      sections.listeners.push(listener);
      bridge = undefined;
      continue;
    }
    if (option.key === 'connection') {
      bridge = { start: option, name: option.value, options: [] };
      sections.bridges.push(bridge);
      continue;
    }
    if (bridge && isBridgeOption(option.key)) bridge.options.push(option);
    else if (listener) listener.options.push(option);
    else sections.global.push(option);
  }
  return sections;
}

/** The last value of an option within a list (Mosquitto keeps the last one written). */
export function lastOption(options: readonly ConfOption[], key: string): ConfOption | undefined {
  for (let i = options.length - 1; i >= 0; i--) if (options[i]!.key === key) return options[i];
  return undefined;
}

export function isTrue(option: ConfOption | undefined): boolean {
  return option !== undefined && option.value === 'true';
}
