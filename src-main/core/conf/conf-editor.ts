import { UserError } from '../user-error.js';
import { formatListener, formatMosquittoConf } from './format.js';
import { emptyConf, type ListenerSettings, type MosquittoConf, type SecuritySettings } from './model.js';
import {
  LISTENER_BOOL_OPTIONS,
  LISTENER_KEYWORDS,
  LISTENER_STRING_OPTIONS,
  SECURITY_KEYWORDS,
  SECURITY_STRING_OPTIONS,
} from './options.js';
import { parseMosquittoConf } from './parse.js';
import {
  checkSettingsForm,
  FORM_LISTENER_FIELDS,
  FORM_SECURITY_FIELDS,
  normalizeForm,
  settingsFormOf,
  type BrokerSettingsForm,
} from './settings-form.js';

/**
 * Editing a mosquitto.conf from the Broker view's form without losing anything the form does not show:
 * comments, blank lines, bridges, logging and ignored options stay byte for byte where they are; an
 * option the form changes is rewritten on its own line; a new option goes after its listener's last
 * line (or after the global security lines); a removed listener takes its own lines with it. Mosquitto's
 * conf has no library that edits it in place, hence this small line editor (the ACL editor keeps lines
 * the same way).
 */

/** Who a line of the conf belongs to, in the parser's scoping. */
export type LineOwner =
  | { kind: 'listener'; index: number; field?: string }
  | { kind: 'global'; field: string }
  | { kind: 'section-start' }
  | { kind: 'comment' }
  | { kind: 'other' };

const LISTENER_FIELD_OF: Record<string, keyof ListenerSettings> = {
  ...LISTENER_STRING_OPTIONS,
  ...LISTENER_BOOL_OPTIONS,
  tls_version: 'tlsVersion',
  tls_keyform: 'tlsKeyform',
  protocol: 'protocol',
};
const SECURITY_FIELD_OF: Record<string, keyof SecuritySettings> = {
  ...SECURITY_STRING_OPTIONS,
  allow_anonymous: 'allowAnonymous',
};

function keywordOf(line: string): { keyword: string; rest: string } | undefined {
  const clean = line.replace(/\r+$/, '');
  if (clean === '' || clean.startsWith('#')) return undefined;
  const start = clean.search(/[^ ]/);
  if (start < 0) return undefined;
  const space = clean.indexOf(' ', start);
  return space < 0
    ? { keyword: clean.slice(start), rest: '' }
    : { keyword: clean.slice(start, space), rest: clean.slice(space + 1).trim() };
}

/** The owner of every line (same scoping as parseMosquittoConf: security options follow per_listener_settings). */
export function lineOwners(lines: readonly string[]): LineOwner[] {
  let listener = -1;
  let perListener = false;
  return lines.map((line) => {
    const option = keywordOf(line);
    if (!option) return line.replace(/\r+$/, '').trim() === '' ? { kind: 'comment' } : { kind: 'comment' };
    const { keyword, rest } = option;
    if (keyword === 'listener') {
      listener++;
      return { kind: 'listener', index: listener };
    }
    if (keyword === 'connection') return { kind: 'section-start' };
    if (keyword === 'per_listener_settings') {
      perListener = rest.split(' ')[0] === 'true' || rest.split(' ')[0] === '1';
      return { kind: 'global', field: 'perListenerSettings' };
    }
    const listenerField = LISTENER_FIELD_OF[keyword];
    if (listenerField && listener >= 0) return { kind: 'listener', index: listener, field: listenerField };
    const securityField = SECURITY_FIELD_OF[keyword];
    if (securityField) {
      return perListener && listener >= 0
        ? { kind: 'listener', index: listener, field: `security.${securityField}` }
        : { kind: 'global', field: `security.${securityField}` };
    }
    return { kind: 'other' };
  });
}

/** The setting path each line writes (`listeners[1].cafile`, `security.aclFile`, `listeners[0]`), by 1-based line. */
export function settingPathsByLine(text: string): Map<number, string> {
  const out = new Map<number, string>();
  lineOwners(text.split('\n')).forEach((owner, i) => {
    if (owner.kind === 'listener') {
      out.set(i + 1, owner.field ? `listeners[${owner.index}].${owner.field}` : `listeners[${owner.index}]`);
    } else if (owner.kind === 'global') out.set(i + 1, owner.field);
  });
  return out;
}

/** The value a form field writes after its keyword, or undefined to leave the option out. */
function written(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return String(value);
}

/** True when the line already says this value (so `true`/`1` or spacing the user chose is kept). */
function sameValue(line: string, value: string): boolean {
  const rest = keywordOf(line)?.rest ?? '';
  if (value === 'true') return rest === 'true' || rest === '1';
  if (value === 'false') return rest === 'false' || rest === '0';
  return rest === value;
}

interface Edit {
  /** Replacement text per line index; null removes the line. */
  replace: Map<number, string | null>;
  /** Lines to insert after a line index (-1: at the top, after the leading comments). */
  after: Map<number, string[]>;
}

function insertAfter(edit: Edit, index: number, lines: string[]): void {
  if (lines.length === 0) return;
  edit.after.set(index, [...(edit.after.get(index) ?? []), ...lines]);
}

/**
 * Apply a settings form to conf text. The text must parse (it is what the form was read from, or the
 * workspace's current conf); listeners of the form with an `origin` edit that listener, the others are
 * new. Returns the new text, which parses back to the same form (checked).
 */
export function applySettingsForm(text: string, form: BrokerSettingsForm, file = 'mosquitto.conf'): string {
  checkSettingsForm(form);
  const before = parseMosquittoConf(text, file);
  const lines = text.split('\n');
  const trailingNewline = lines.length > 0 && lines[lines.length - 1] === '';
  if (trailingNewline) lines.pop();
  const owners = lineOwners(lines);
  const edit: Edit = { replace: new Map(), after: new Map() };
  const crlf = lines.some((l) => l.endsWith('\r')) ? '\r' : '';

  const sectionStarts = owners
    .map((o, i) => (o.kind === 'section-start' || (o.kind === 'listener' && !o.field) ? i : -1))
    .filter((i) => i >= 0);
  const listenerLine = (index: number) =>
    owners.findIndex((o) => o.kind === 'listener' && o.index === index && !o.field);
  const sectionEnd = (start: number) => sectionStarts.find((s) => s > start) ?? lines.length;
  /** Comments and blank lines just before a section start describe that section: they stay with it. */
  const leadingComments = (start: number) => {
    let i = start;
    while (i > 0 && owners[i - 1]!.kind === 'comment') i--;
    return i;
  };

  const origins = new Set(form.listeners.map((l) => l.origin).filter((o) => o !== undefined));
  for (const origin of origins) {
    if (origin! < 0 || origin! >= before.listeners.length) {
      throw new UserError(
        `the settings changed on disk since the form was read (listener #${origin! + 1} is gone): reload them`,
        'STALE_SETTINGS',
      );
    }
  }

  // Removed listeners: their listener line, their own options and the comments inside the section.
  before.listeners.forEach((_listener, index) => {
    if (origins.has(index)) return;
    const start = listenerLine(index);
    const end = sectionEnd(start);
    const keepFrom = end < lines.length ? leadingComments(end) : end;
    for (let i = start; i < end; i++) {
      const owner = owners[i]!;
      if (owner.kind === 'listener' && owner.index === index) edit.replace.set(i, null);
      else if (owner.kind === 'comment' && i < keepFrom) edit.replace.set(i, null);
    }
    // The comment block right above the listener line describes it: it goes too, with one blank line.
    let previous = start - 1;
    while (previous >= 0 && owners[previous]!.kind === 'comment' && lines[previous]!.trim() !== '') {
      edit.replace.set(previous, null);
      previous--;
    }
    if (previous >= 0 && owners[previous]!.kind === 'comment' && lines[previous]!.trim() === '')
      edit.replace.set(previous, null);
  });

  /** Set one option among `linesOf` (the lines that already write it): rewrite, remove or insert. */
  const setOption = (
    linesOf: number[],
    keyword: string,
    value: string | undefined,
    anchor: () => number,
    pending: string[],
  ) => {
    if (value === undefined) {
      for (const i of linesOf) edit.replace.set(i, null);
      return;
    }
    const last = linesOf[linesOf.length - 1];
    for (const i of linesOf.slice(0, -1)) edit.replace.set(i, null);
    if (last === undefined) {
      pending.push(`${keyword} ${value}`);
      void anchor;
    } else if (!sameValue(lines[last]!, value)) {
      edit.replace.set(last, `${keyword} ${value}${crlf}`);
    }
  };

  // Global: per_listener_settings and the global security options.
  const globalLines = (field: string) =>
    owners.flatMap((o, i) => (o.kind === 'global' && o.field === field ? [i] : []));
  const firstListener = listenerLine(0);
  const firstSection = sectionStarts[0] ?? lines.length;
  const perListenerLines = globalLines('perListenerSettings');
  const topAnchor = () => {
    let i = -1;
    while (i + 1 < lines.length && owners[i + 1]!.kind === 'comment' && lines[i + 1]!.startsWith('#')) i++;
    return i;
  };
  const globalPending: string[] = [];
  if (form.perListenerSettings) {
    const early = perListenerLines.length === 1 && perListenerLines[0]! < firstSection;
    if (early) {
      if (!sameValue(lines[perListenerLines[0]!]!, 'true'))
        edit.replace.set(perListenerLines[0]!, `per_listener_settings true${crlf}`);
    } else {
      for (const i of perListenerLines) edit.replace.set(i, null);
      insertAfter(edit, topAnchor(), [`per_listener_settings true${crlf}`]);
    }
  } else {
    setOption(
      perListenerLines,
      'per_listener_settings',
      perListenerLines.length ? 'false' : undefined,
      topAnchor,
      [],
    );
  }
  const globalAnchor = () => {
    const own = owners
      .map((o, i) => (o.kind === 'global' && i < firstSection ? i : -1))
      .filter((i) => i >= 0);
    if (own.length) return own[own.length - 1]!;
    const before = owners
      .map((o, i) => (o.kind !== 'comment' && i < firstSection ? i : -1))
      .filter((i) => i >= 0);
    return before.length ? before[before.length - 1]! : topAnchor();
  };
  for (const field of FORM_SECURITY_FIELDS) {
    const value = form.perListenerSettings ? undefined : written(form.security[field]);
    setOption(globalLines(`security.${field}`), SECURITY_KEYWORDS[field], value, globalAnchor, globalPending);
  }
  if (globalPending.length) {
    const anchor = globalAnchor();
    const blankAfter = firstListener >= 0 && anchor + 1 === leadingComments(firstSection) && anchor >= 0;
    insertAfter(
      edit,
      anchor,
      globalPending.map((l) => l + crlf),
    );
    void blankAfter;
  }

  // Edited listeners.
  form.listeners.forEach((listener) => {
    if (listener.origin === undefined) return;
    const index = listener.origin;
    const start = listenerLine(index);
    const old = before.listeners[index]!;
    if (old.port !== listener.port || (old.bindAddress ?? '') !== (listener.bindAddress ?? '')) {
      edit.replace.set(
        start,
        `listener ${listener.port}${listener.bindAddress ? ` ${listener.bindAddress}` : ''}${crlf}`,
      );
    }
    const own = (field: string) =>
      owners.flatMap((o, i) => (o.kind === 'listener' && o.index === index && o.field === field ? [i] : []));
    const anchor = () => {
      const all = owners.flatMap((o, i) => (o.kind === 'listener' && o.index === index ? [i] : []));
      return all[all.length - 1]!;
    };
    const pending: string[] = [];
    const protocolLines = own('protocol');
    setOption(
      protocolLines,
      'protocol',
      listener.protocol === 'websockets' || protocolLines.length ? listener.protocol : undefined,
      anchor,
      pending,
    );
    for (const field of FORM_LISTENER_FIELDS) {
      setOption(own(field), LISTENER_KEYWORDS[field]!, written(listener[field]), anchor, pending);
    }
    if (form.perListenerSettings) {
      for (const field of FORM_SECURITY_FIELDS) {
        setOption(
          own(`security.${field}`),
          SECURITY_KEYWORDS[field],
          written(listener.security?.[field]),
          anchor,
          pending,
        );
      }
    }
    insertAfter(
      edit,
      anchor(),
      pending.map((l) => l + crlf),
    );
  });

  // New listeners: before the first bridge section, else at the end.
  const added = form.listeners
    .map((listener, index) => ({ listener, index }))
    .filter(({ listener }) => listener.origin === undefined);
  const fresh: string[] = [];
  for (const { listener, index } of added) {
    fresh.push('', ...formatListener(form, listener, index).map((l) => l + crlf));
  }
  const firstBridge = owners.findIndex((o) => o.kind === 'section-start');
  let out: string[] = [];
  const top = edit.after.get(-1) ?? [];
  out.push(...top);
  lines.forEach((line, i) => {
    if (firstBridge >= 0 && i === leadingComments(firstBridge) && fresh.length) {
      out.push(...fresh.slice(1), '');
    }
    const replacement = edit.replace.get(i);
    if (replacement !== null) out.push(replacement ?? line);
    out.push(...(edit.after.get(i) ?? []));
  });
  if (firstBridge < 0 && fresh.length) {
    while (out.length && out[out.length - 1]!.replace(/\r$/, '') === '') out.pop();
    out.push(...(out.length ? fresh : fresh.slice(1)));
  }
  // No run of blank lines left behind by a removal.
  out = out.filter((line, i) => !(line.trim() === '' && i > 0 && out[i - 1]!.trim() === ''));
  const result = out.join('\n') + (trailingNewline || out.length ? '\n' : '');

  let after: MosquittoConf;
  try {
    after = parseMosquittoConf(result, file);
  } catch {
    // A setting the parser refuses (a Mosquitto trap): the caller parses the text and names its line.
    return result;
  }
  const want = JSON.stringify(normalizeForm(form));
  const got = JSON.stringify(normalizeForm(settingsFormOf(after)));
  if (want !== got) {
    throw new UserError(
      'these settings cannot be written into the conf as it is without changing other lines: edit the raw conf instead',
      'SETTINGS_NOT_WRITTEN',
    );
  }
  return result;
}

/** Conf text for a workspace that has none yet: the form, formatted. */
export function confWithForm(form: BrokerSettingsForm): string {
  checkSettingsForm(form);
  const conf: MosquittoConf = {
    ...emptyConf(),
    perListenerSettings: form.perListenerSettings,
    security: form.perListenerSettings ? {} : form.security,
    listeners: form.listeners.map(({ origin: _origin, ...listener }) => listener),
  };
  return formatMosquittoConf(conf, {
    header: ['Workspace broker settings, written by MQTT TLS Studio. Paths are relative to this folder.'],
  });
}
