// The Broker view's settings draft: the form being edited and what saving will also write.
import type { BrokerSettingsForm, SettingsListener } from '../../../../../src-main/core/conf/index.js';
import type { SettingsIssue } from '../../../../../src-main/core/broker/index.js';

export type FilePart = 'chain' | 'key' | 'ca' | 'crl';
export type PendingFile = { path: string; from: { workshop: string; part: FilePart } | { base64: string } };
export type PasswordOp = { file: string; username: string; password?: string };
export type PskOp = { file: string; identity: string; hex?: string };

/** A listener as typed: the port may be text until it is a number. */
export type DraftListener = Omit<SettingsListener, 'port'> & { port: number | string };
export type DraftForm = Omit<BrokerSettingsForm, 'listeners'> & { listeners: DraftListener[] };

export interface Draft {
  form: DraftForm;
  files: PendingFile[];
  passwords: PasswordOp[];
  psk: PskOp[];
}

export function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Issues shown at one field (its path, e.g. `listeners[1].cafile`). */
export function issuesAt(issues: SettingsIssue[], path: string): SettingsIssue[] {
  return issues.filter((i) => i.field === path);
}

/** Issues of a listener that no field of its card shows. */
export function listenerLevel(
  issues: SettingsIssue[],
  index: number,
  shown: readonly string[],
): SettingsIssue[] {
  const prefix = `listeners[${index}]`;
  return issues.filter(
    (i) =>
      (i.field === prefix || i.field?.startsWith(`${prefix}.`)) &&
      !shown.includes(i.field.slice(prefix.length + 1)),
  );
}

/** Add or replace a file saving will write. */
export function withFile(files: PendingFile[], file: PendingFile): PendingFile[] {
  return [...files.filter((f) => f.path !== file.path), file];
}

/** A file name the workspace's broker folder accepts, from a name the user's file had. */
export function safeName(name: string): string {
  const clean = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '');
  return clean || 'file.pem';
}

export async function fileBase64(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** 32 random bytes as hex: a fresh PSK. */
export function randomHex(bytes = 32): string {
  const data = crypto.getRandomValues(new Uint8Array(bytes));
  return [...data].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = document.createElement('textarea');
    area.value = text;
    document.body.append(area);
    area.select();
    const ok = document.execCommand('copy');
    area.remove();
    return ok;
  }
}
