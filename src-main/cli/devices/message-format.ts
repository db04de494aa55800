/**
 * `sub -F FORMAT`: each message printed in mosquitto_sub's `-F` notation (2.0), so scripts written for it
 * keep working. Fields: %t topic, %p payload, %x / %X payload as hex, %l payload length, %q QoS, %r retain,
 * %U Unix time with nanoseconds, %I ISO 8601 local time, %%; MQTT 5: %C content type, %D correlation
 * data, %E message expiry, %F payload format indicator, %P user properties, %R response topic,
 * %S subscription identifier, %A topic alias. `@` + a strftime letter prints the time (@H:@M:@S, @N ns).
 * Escapes \\ \0 \a \e \n \r \t \v. Widths, alignment and precision behave as mosquitto_sub 2.0.11's
 * (measured against it: test/devices/pub-sub.test.ts), e.g. %-20t, %08p (cuts the payload), %.2t.
 * The format is checked once, before connecting: mosquitto_sub's refusals become bad usage (exit 2).
 */
import { UsageError } from '../command.js';
import type { LoggedMessage } from '../../core/client/index.js';

interface Field {
  kind: 'field';
  field: string;
  left: boolean;
  zero: boolean;
  width: number;
  precision?: number;
}
type Piece = { kind: 'text'; text: string } | Field | { kind: 'time'; letter: string };
export type MessageFormat = Piece[];

/** String fields: printf's %*.*s (precision cuts, width pads with spaces). */
const STRING_FIELDS = new Set(['t', 'C', 'R', 'I']);
/** Number fields: printf's %*d (precision ignored, as mosquitto_sub does; 0 pads with zeros). */
const NUMBER_FIELDS = new Set(['l', 'E', 'F', 'A', 'S']);
/** Printed as they are, without width. */
const PLAIN_FIELDS = new Set(['p', 'x', 'X', 'D', 'P', 'q', 'r', 'U', '%']);
const UNSUPPORTED: Record<string, string> = {
  j: 'use --json',
  J: 'use --json',
  m: 'the message id is not kept; use --json',
};
const ESCAPES: Record<string, string> = {
  '\\': '\\',
  '0': '\0',
  a: '\x07',
  e: '\x1b',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

/** Parse a `-F` format, refusing what mosquitto_sub refuses (and the fields not supported here). */
export function parseMessageFormat(format: string): MessageFormat {
  const pieces: Piece[] = [];
  let text = '';
  const flush = () => {
    if (text) pieces.push({ kind: 'text', text });
    text = '';
  };
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if (c === '\\') {
      const next = format[i + 1];
      if (next === undefined) throw new UsageError('-F: incomplete escape at the end of the format');
      const escaped = ESCAPES[next];
      if (escaped === undefined) throw new UsageError(`-F: invalid escape specifier '${next}'`);
      text += escaped;
      i++;
    } else if (c === '@') {
      const next = format[i + 1];
      if (next === undefined) throw new UsageError('-F: incomplete time specifier at the end of the format');
      flush();
      pieces.push({ kind: 'time', letter: next });
      i++;
    } else if (c === '%') {
      let j = i + 1;
      const left = format[j] === '-';
      if (left) j++;
      const zero = format[j] === '0';
      if (zero) j++;
      let width = 0;
      while (j < format.length && format[j]! >= '0' && format[j]! <= '9') {
        width = Math.min(width * 10 + Number(format[j]), 4096);
        j++;
      }
      let precision: number | undefined;
      if (format[j] === '.') {
        precision = 0;
        j++;
        while (j < format.length && format[j]! >= '0' && format[j]! <= '9') {
          precision = Math.min(precision * 10 + Number(format[j]), 4096);
          j++;
        }
      }
      const field = format[j];
      if (field === undefined)
        throw new UsageError('-F: incomplete format specifier at the end of the format');
      if (UNSUPPORTED[field]) throw new UsageError(`-F: %${field} is not supported (${UNSUPPORTED[field]})`);
      if (!STRING_FIELDS.has(field) && !NUMBER_FIELDS.has(field) && !PLAIN_FIELDS.has(field)) {
        throw new UsageError(`-F: invalid format specifier '${field}'`);
      }
      flush();
      pieces.push({
        kind: 'field',
        field,
        left,
        zero,
        width,
        ...(precision !== undefined ? { precision } : {}),
      });
      i = j;
    } else text += c;
  }
  flush();
  return pieces;
}

const two = (n: number) => String(n).padStart(2, '0');
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

function zone(d: Date): string {
  const offset = -d.getTimezoneOffset();
  return `${offset >= 0 ? '+' : '-'}${two(Math.floor(Math.abs(offset) / 60))}${two(Math.abs(offset) % 60)}`;
}

/** One strftime conversion (C locale) of the local time, as mosquitto_sub's `@` does; @N: nanoseconds. */
function strftime(letter: string, ms: number): string {
  const d = new Date(ms);
  const date = `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
  const time = `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
  const dayOfYear = Math.floor((ms - new Date(d.getFullYear(), 0, 1).getTime()) / 86_400_000) + 1;
  switch (letter) {
    case 'Y':
      return String(d.getFullYear());
    case 'y':
      return two(d.getFullYear() % 100);
    case 'm':
      return two(d.getMonth() + 1);
    case 'd':
      return two(d.getDate());
    case 'e':
      return String(d.getDate()).padStart(2, ' ');
    case 'H':
      return two(d.getHours());
    case 'I':
      return two(d.getHours() % 12 || 12);
    case 'M':
      return two(d.getMinutes());
    case 'S':
      return two(d.getSeconds());
    case 'p':
      return d.getHours() < 12 ? 'AM' : 'PM';
    case 'j':
      return String(dayOfYear).padStart(3, '0');
    case 'a':
      return DAYS[d.getDay()]!.slice(0, 3);
    case 'A':
      return DAYS[d.getDay()]!;
    case 'b':
    case 'h':
      return MONTHS[d.getMonth()]!.slice(0, 3);
    case 'B':
      return MONTHS[d.getMonth()]!;
    case 'F':
      return date;
    case 'T':
      return time;
    case 'z':
      return zone(d);
    case 's':
      return String(Math.floor(ms / 1000));
    case 'N':
      return String((ms % 1000) * 1_000_000).padStart(9, '0');
    case '@':
      return '@';
    case '%':
      return '%';
    default:
      // glibc's strftime prints a conversion it does not know as it was written
      return `%${letter}`;
  }
}

function userProperties(message: LoggedMessage): string {
  const pairs: string[] = [];
  for (const [key, value] of Object.entries(message.properties?.userProperties ?? {})) {
    for (const v of Array.isArray(value) ? value : [value]) pairs.push(`${key}:${v}`);
  }
  return pairs.join(' ');
}

function pad(bytes: Buffer, width: number, left: boolean, fill: string): Buffer {
  const missing = width - bytes.length;
  if (missing <= 0) return bytes;
  const padding = Buffer.alloc(missing, fill);
  return left ? Buffer.concat([bytes, padding]) : Buffer.concat([padding, bytes]);
}

function fieldValue(field: string, message: LoggedMessage): string | number | Buffer | undefined {
  const p = message.properties ?? {};
  switch (field) {
    case 't':
      return message.topic;
    case 'C':
      return p.contentType;
    case 'R':
      return p.responseTopic;
    case 'I':
      return `${strftime('F', message.time)}T${strftime('T', message.time)}${strftime('z', message.time)}`;
    case 'l':
      return message.payload.length;
    case 'E':
      return p.messageExpiryInterval;
    case 'F':
      return p.payloadFormatIndicator === undefined ? undefined : Number(p.payloadFormatIndicator);
    case 'A':
      return p.topicAlias;
    case 'S':
      return Array.isArray(p.subscriptionIdentifier) ? p.subscriptionIdentifier[0] : p.subscriptionIdentifier;
    case 'D':
      return p.correlationData ? Buffer.from(p.correlationData, 'hex') : undefined;
    case 'P':
      return userProperties(message);
    case 'q':
      return message.qos;
    case 'r':
      return message.retain ? 1 : 0;
    case 'U':
      return `${strftime('s', message.time)}.${strftime('N', message.time)}`;
    default:
      return '%';
  }
}

/** The payload with mosquitto_sub's width rule: cut to the width, then padded (hex: whole bytes). */
function payloadBytes(f: Field, payload: Buffer): Buffer {
  const hex = f.field !== 'p';
  let length = payload.length;
  let padding = f.width - length;
  if (f.width > 0) {
    length = Math.min(length, f.width);
    if (hex) length = Math.floor(length / 2);
    padding = f.width - (hex ? length * 2 : length);
  }
  const cut = payload.subarray(0, length);
  const body = hex
    ? Buffer.from(f.field === 'X' ? cut.toString('hex').toUpperCase() : cut.toString('hex'))
    : cut;
  return pad(body, body.length + Math.max(padding, 0), f.left, f.zero && !f.left ? '0' : ' ');
}

function fieldBytes(f: Field, message: LoggedMessage): Buffer {
  if (f.field === 'p' || f.field === 'x' || f.field === 'X') return payloadBytes(f, message.payload);
  const value = fieldValue(f.field, message);
  if (Buffer.isBuffer(value)) return value;
  if (PLAIN_FIELDS.has(f.field)) return Buffer.from(value === undefined ? '' : String(value), 'utf8');
  if (NUMBER_FIELDS.has(f.field)) {
    return pad(
      Buffer.from(value === undefined ? '' : String(value)),
      f.width,
      f.left,
      f.zero && !f.left ? '0' : ' ',
    );
  }
  let bytes = Buffer.from(value === undefined ? '' : String(value), 'utf8');
  if (f.precision !== undefined) bytes = bytes.subarray(0, f.precision);
  return pad(bytes, f.width, f.left, ' ');
}

/** One message in a parsed format, ended by a newline as mosquitto_sub ends it. */
export function formatMessage(format: MessageFormat, message: LoggedMessage): Buffer {
  const parts = format.map((piece) => {
    if (piece.kind === 'text') return Buffer.from(piece.text, 'utf8');
    if (piece.kind === 'time') return Buffer.from(strftime(piece.letter, message.time), 'utf8');
    return fieldBytes(piece, message);
  });
  return Buffer.concat([...parts, Buffer.from('\n')]);
}
