import { fileLineError } from './conf-error.js';
import {
  emptyConf,
  hasCertificateTls,
  settingPath,
  TLS_VERSIONS,
  type BridgeSettings,
  type ListenerSettings,
  type MosquittoConf,
  type SecuritySettings,
  type TlsVersion,
} from './model.js';
import {
  BRIDGE_BOOL_OPTIONS,
  BRIDGE_INT_OPTIONS,
  BRIDGE_STRING_OPTIONS,
  CERTIFICATE_TLS_FIELDS,
  IGNORED_OPTIONS,
  isUnsupportedOption,
  LISTENER_BOOL_OPTIONS,
  LISTENER_KEYWORDS,
  LISTENER_STRING_OPTIONS,
  LOG_DESTS,
  LOG_TYPES,
  NOT_FOR_WEBSOCKETS,
  PRODUCTION_ONLY,
  SECURITY_STRING_OPTIONS,
} from './options.js';
import { trimEndOf, trimOf } from '../text-scan.js';
import { isLimitOption, LIMIT_OPTIONS } from './limits.js';

/**
 * Parse a mosquitto.conf the way Mosquitto 2.0.11 reads it (conf.c): one option per line, tokens split on
 * spaces only, `#` comments in column 1, string values are the rest of the line. Stops at the first
 * refused line with `file:line: reason` — for every refusal, not only unknown options as Mosquitto does —
 * including the traps listed in FACTS.md (TLS without certfile+keyfile, options websockets ignore, a
 * websockets-only config, PSK and certificates on one listener).
 */
export function parseMosquittoConf(
  text: string,
  file = 'mosquitto.conf',
  options: ParseOptions = {},
): MosquittoConf {
  return new ConfParser(text, file, options).parse();
}

export interface ParseOptions {
  /**
   * Read the `*.conf` files of an `include_dir` folder (as written in the conf), in the order to load
   * them. Without it, `include_dir` is refused with its line (the parser itself reads no files).
   */
  readIncludeDir?: (dir: string) => Array<{ file: string; text: string }>;
}

class ConfParser {
  private readonly conf: MosquittoConf = emptyConf();
  private readonly lines: Record<string, number> = {};
  private listenerIndex: number | undefined;
  private bridge: BridgeSettings | undefined;
  private bridgePath = '';
  private securitySeen = false;
  private lineNo = 0;
  /** The file being read: the main conf, or one of its include_dir files. */
  private file: string;
  private readonly files: Record<string, string> = {};
  private level = 0;

  constructor(
    private readonly text: string,
    private readonly mainFile: string,
    private readonly options: ParseOptions,
  ) {
    this.file = mainFile;
    this.conf.source = { file: mainFile, lines: this.lines };
  }

  parse(): MosquittoConf {
    this.readText(this.text);
    if (Object.keys(this.files).length > 0) this.conf.source!.files = this.files;
    this.file = this.mainFile;
    this.finish();
    return this.conf;
  }

  private readText(text: string): void {
    const rows = text.split('\n');
    for (let i = 0; i < rows.length; i++) {
      this.lineNo = i + 1;
      const line = trimEndOf(rows[i], '\r');
      if (line === '' || line.startsWith('#')) continue;
      const start = line.search(/[^ ]/);
      if (start < 0) continue;
      const spaceAt = line.indexOf(' ', start);
      const keyword = spaceAt < 0 ? line.slice(start) : line.slice(start, spaceAt);
      const rest = spaceAt < 0 ? undefined : line.slice(spaceAt + 1);
      this.option(keyword, rest);
    }
  }

  /** Mosquitto reads include_dir only from the main file: each `*.conf` in the folder, as if inline. */
  private includeDir(rest: string | undefined): void {
    const dir = this.stringValue('include_dir', rest);
    if (this.level > 0) return;
    if (!this.options.readIncludeDir) {
      this.fail('include_dir needs the files of a folder: run the conf from a file (broker --config FILE)');
    }
    let entries: Array<{ file: string; text: string }>;
    try {
      entries = this.options.readIncludeDir(dir);
    } catch (error) {
      return this.fail(`unable to open include_dir "${dir}" (${(error as Error).message})`);
    }
    const [file, lineNo] = [this.file, this.lineNo];
    this.level++;
    for (const entry of entries) {
      this.file = entry.file;
      this.lineNo = 0;
      this.readText(entry.text);
    }
    this.level--;
    [this.file, this.lineNo] = [file, lineNo];
  }

  /** Stop at a line (the current one by default; null: the file as a whole). */
  private fail(message: string, line?: number | null): never {
    throw fileLineError(this.file, line === undefined ? this.lineNo : (line ?? undefined), message);
  }

  private mark(path: string): void {
    this.lines[path] = this.lineNo;
    if (this.file !== this.mainFile) this.files[path] = this.file;
    else delete this.files[path];
  }

  /** Stop at the line (and file) where a setting was written. */
  private failAt(message: string, path: string, fallback?: string): never {
    const key = this.lines[path] !== undefined ? path : (fallback ?? path);
    throw fileLineError(this.files[key] ?? this.mainFile, this.lines[key], message);
  }

  private option(keyword: string, rest: string | undefined): void {
    if (keyword.startsWith('#')) {
      this.fail('a comment must start in column 1: Mosquitto reads an indented "#" as an unknown option');
    }
    if (keyword.includes('\t')) {
      this.fail(
        `"${keyword.replace(/\t/g, '\\t')}": options and values must be separated by spaces (Mosquitto does not split on tabs)`,
      );
    }
    if (keyword === 'listener') return this.listener(rest);
    if (keyword === 'include_dir') return this.includeDir(rest);
    if (keyword === 'protocol') return this.protocol(rest);
    if (keyword === 'tls_version') return this.tlsVersion(rest);
    if (keyword === 'tls_keyform') return this.tlsKeyform(rest);
    if (keyword === 'require_ocsp') {
      this.fail(
        'require_ocsp is not an option of Mosquitto 2.0.11 (it refuses to start: Unknown configuration variable); only bridges have bridge_require_ocsp — remove the line',
      );
    }
    if (keyword in LISTENER_STRING_OPTIONS) {
      const field = LISTENER_STRING_OPTIONS[keyword as keyof typeof LISTENER_STRING_OPTIONS];
      const listener = this.currentListener(keyword);
      this.setListenerString(listener, field, keyword, this.stringValue(keyword, rest));
      return;
    }
    if (keyword in LISTENER_BOOL_OPTIONS) {
      const field = LISTENER_BOOL_OPTIONS[keyword as keyof typeof LISTENER_BOOL_OPTIONS];
      const listener = this.currentListener(keyword);
      listener[field] = this.boolValue(keyword, rest);
      this.mark(settingPath(this.listenerIndex, field));
      return;
    }
    if (keyword === 'allow_anonymous') {
      const { security, path } = this.currentSecurity(keyword);
      security.allowAnonymous = this.boolValue(keyword, rest);
      this.mark(`${path}.allowAnonymous`);
      return;
    }
    if (keyword === 'allow_zero_length_clientid') {
      const { security, path } = this.currentSecurity(keyword);
      security.allowZeroLengthClientid = this.boolValue(keyword, rest);
      this.mark(`${path}.allowZeroLengthClientid`);
      return;
    }
    if (keyword in SECURITY_STRING_OPTIONS) {
      const field = SECURITY_STRING_OPTIONS[keyword as keyof typeof SECURITY_STRING_OPTIONS];
      const { security, path } = this.currentSecurity(keyword);
      const value = this.stringValue(keyword, rest);
      if (security[field] !== undefined) this.fail(`duplicate ${keyword} value (Mosquitto refuses it too)`);
      security[field] = value;
      this.mark(`${path}.${field}`);
      return;
    }
    if (isLimitOption(keyword)) {
      // global in Mosquitto wherever the line is; a later line wins, as in Mosquitto
      const [field, min, max] = LIMIT_OPTIONS[keyword];
      (this.conf.limits ??= {})[field] = this.intValue(keyword, rest, min, max);
      this.mark(`limits.${field}`);
      return;
    }
    if (keyword === 'per_listener_settings') return this.perListenerSettings(rest);
    if (keyword === 'log_type') return this.logType(rest);
    if (keyword === 'log_dest') return this.logDest(rest);
    if (keyword === 'connection') return this.connection(rest);
    if (keyword === 'address' || keyword === 'addresses') return this.address(keyword, rest);
    if (keyword === 'topic') return this.bridgeTopic(rest);
    if (keyword in BRIDGE_STRING_OPTIONS) {
      const bridge = this.currentBridge(keyword);
      const field = BRIDGE_STRING_OPTIONS[keyword as keyof typeof BRIDGE_STRING_OPTIONS];
      const value = this.stringValue(keyword, rest);
      if (bridge[field] !== undefined) this.fail(`duplicate ${keyword} value (Mosquitto refuses it too)`);
      this.checkBridgePskVsCertificates(bridge, keyword);
      bridge[field] = value;
      this.mark(`${this.bridgePath}.${field}`);
      return;
    }
    if (keyword in BRIDGE_BOOL_OPTIONS) {
      const bridge = this.currentBridge(keyword);
      const field = BRIDGE_BOOL_OPTIONS[keyword as keyof typeof BRIDGE_BOOL_OPTIONS];
      bridge[field] = this.boolValue(keyword, rest);
      this.mark(`${this.bridgePath}.${field}`);
      return;
    }
    if (keyword in BRIDGE_INT_OPTIONS) {
      const bridge = this.currentBridge(keyword);
      const [field, min, max] = BRIDGE_INT_OPTIONS[keyword as keyof typeof BRIDGE_INT_OPTIONS];
      bridge[field] = this.intValue(keyword, rest, min, max);
      this.mark(`${this.bridgePath}.${field}`);
      return;
    }
    if (keyword === 'start_type') {
      const bridge = this.currentBridge(keyword);
      const value = this.firstToken(keyword, rest);
      if (value !== 'automatic' && value !== 'lazy' && value !== 'once') {
        this.fail(`invalid start_type "${value}": use automatic, lazy or once`);
      }
      bridge.startType = value;
      this.mark(`${this.bridgePath}.startType`);
      return;
    }
    if (keyword === 'restart_timeout') {
      const bridge = this.currentBridge(keyword);
      const words = (rest ?? '').split(' ').filter((t) => t !== '');
      if (words.length === 0 || words.length > 2 || !words.every((w) => /^\d{1,9}$/.test(w))) {
        this.fail('restart_timeout needs one number (constant seconds) or two (backoff base and cap)');
      }
      // Mosquitto raises a value below 1 to 1 ("restart_timeout interval too low, using 1 second").
      const base = Math.max(1, Number(words[0]));
      if (words.length === 2) {
        const cap = Number(words[1]);
        if (cap < base) this.fail(`backoff cap ${cap} is lower than the base ${base} in restart_timeout`);
        bridge.restartTimeout = { base, cap };
      } else bridge.restartTimeout = { base };
      this.mark(`${this.bridgePath}.restartTimeout`);
      return;
    }
    if (keyword === 'bridge_protocol_version') {
      const bridge = this.currentBridge(keyword);
      const value = this.firstToken(keyword, rest);
      if (value !== 'mqttv31' && value !== 'mqttv311' && value !== 'mqttv50') {
        this.fail(`invalid bridge_protocol_version "${value}": use mqttv31, mqttv311 or mqttv50`);
      }
      bridge.protocolVersion = value;
      this.mark(`${this.bridgePath}.protocolVersion`);
      return;
    }
    if (keyword in IGNORED_OPTIONS) {
      this.conf.notices.push({
        level: 'info',
        message: `${keyword} ignored: ${IGNORED_OPTIONS[keyword]}`,
        file: this.file,
        line: this.lineNo,
      });
      return;
    }
    if (isUnsupportedOption(keyword)) {
      this.fail(
        keyword === 'port' || keyword === 'bind_address'
          ? `${keyword} (the default listener) is not supported by the local broker: use "listener PORT [ADDRESS]"`
          : `the Mosquitto option "${keyword}" is not supported by the local broker: remove it to run this config here`,
      );
    }
    this.fail(`unknown option "${keyword}" (Mosquitto refuses it too: Unknown configuration variable)`);
  }

  // --- value readers -------------------------------------------------------------------------

  private stringValue(keyword: string, rest: string | undefined): string {
    const value = trimOf(rest ?? '', ' \t');
    if (!value) this.fail(`empty ${keyword} value`);
    return value;
  }

  private firstToken(keyword: string, rest: string | undefined): string {
    const token = (rest ?? '').split(' ').find((t) => t !== '');
    if (!token) this.fail(`empty ${keyword} value`);
    return token;
  }

  private boolValue(keyword: string, rest: string | undefined): boolean {
    const token = this.firstToken(keyword, rest);
    if (token === 'true' || token === '1') return true;
    if (token === 'false' || token === '0') return false;
    return this.fail(`invalid ${keyword} value "${token}": use true or false`);
  }

  private intValue(keyword: string, rest: string | undefined, min: number, max: number): number {
    const token = this.firstToken(keyword, rest);
    if (!(min < 0 ? /^-?\d+$/ : /^\d+$/).test(token))
      this.fail(`invalid ${keyword} value "${token}": not a number`);
    const value = Number(token);
    if (value < min || value > max) this.fail(`invalid ${keyword} value ${value}: must be ${min} to ${max}`);
    return value;
  }

  // --- listeners --------------------------------------------------------------------------------

  private listener(rest: string | undefined): void {
    const tokens = (rest ?? '').split(' ');
    const firstAt = tokens.findIndex((t) => t !== '');
    if (firstAt < 0) this.fail('empty listener value: write "listener PORT [ADDRESS]"');
    const portText = tokens[firstAt];
    if (!/^\d+$/.test(portText))
      this.fail(`invalid listener port "${portText}": write "listener PORT [ADDRESS]"`);
    const port = Number(portText);
    if (port === 0) this.fail('listener port 0 (a unix socket) is not supported by the local broker');
    if (port > 65535) this.fail(`invalid port value (${port}): a port is 1 to 65535`);
    const host = trimOf(tokens.slice(firstAt + 1).join(' '), ' \t');
    if (host.startsWith('#')) {
      this.fail(`"${host}" after the port: Mosquitto reads it as the bind address, not a comment`);
    }
    if (/[ \t]/.test(host)) this.fail(`invalid bind address "${host}"`);
    const bindAddress = host || undefined;
    const clash = this.conf.listeners.findIndex((l) => l.port === port && l.bindAddress === bindAddress);
    if (clash >= 0) {
      this.fail(
        `listener ${port}${host ? ' ' + host : ''} is already defined at line ${this.lines[settingPath(clash)]}`,
      );
    }
    const listener: ListenerSettings = { port, protocol: 'mqtt' };
    if (bindAddress) listener.bindAddress = bindAddress;
    this.conf.listeners.push(listener);
    this.listenerIndex = this.conf.listeners.length - 1;
    this.mark(settingPath(this.listenerIndex));
  }

  private currentListener(keyword: string): ListenerSettings {
    if (this.listenerIndex === undefined) {
      this.fail(`${keyword} must come after a "listener" line (the default listener is not supported)`);
    }
    return this.conf.listeners[this.listenerIndex];
  }

  private setListenerString(
    listener: ListenerSettings,
    field: (typeof LISTENER_STRING_OPTIONS)[keyof typeof LISTENER_STRING_OPTIONS],
    keyword: string,
    value: string,
  ): void {
    if (listener[field] !== undefined) this.fail(`duplicate ${keyword} value (Mosquitto refuses it too)`);
    listener[field] = value;
    this.mark(settingPath(this.listenerIndex, field));
  }

  private protocol(rest: string | undefined): void {
    const listener = this.currentListener('protocol');
    const value = this.firstToken('protocol', rest);
    if (value !== 'mqtt' && value !== 'websockets') {
      this.fail(`invalid protocol value "${value}": use mqtt or websockets`);
    }
    listener.protocol = value;
    this.mark(settingPath(this.listenerIndex, 'protocol'));
  }

  private tlsVersion(rest: string | undefined): void {
    const listener = this.currentListener('tls_version');
    const value = this.stringValue('tls_version', rest);
    if (listener.tlsVersion !== undefined)
      this.fail('duplicate tls_version value (Mosquitto refuses it too)');
    if (!(TLS_VERSIONS as readonly string[]).includes(value)) {
      this.fail(
        `unsupported tls_version "${value}": Mosquitto accepts only ${TLS_VERSIONS.join(', ')} (a minimum)`,
      );
    }
    listener.tlsVersion = value as TlsVersion;
    this.mark(settingPath(this.listenerIndex, 'tlsVersion'));
  }

  private tlsKeyform(rest: string | undefined): void {
    const listener = this.currentListener('tls_keyform');
    const value = this.firstToken('tls_keyform', rest);
    if (value !== 'pem' && value !== 'engine') this.fail(`invalid tls_keyform "${value}": use pem or engine`);
    listener.tlsKeyform = value;
    this.mark(settingPath(this.listenerIndex, 'tlsKeyform'));
  }

  // --- security -------------------------------------------------------------------------------

  private currentSecurity(keyword: string): { security: SecuritySettings; path: string } {
    this.securitySeen = true;
    if (!this.conf.perListenerSettings) return { security: this.conf.security, path: 'security' };
    if (this.listenerIndex === undefined) {
      this.fail(`with per_listener_settings true, ${keyword} must come after a "listener" line`);
    }
    const listener = this.conf.listeners[this.listenerIndex];
    listener.security ??= {};
    return { security: listener.security, path: settingPath(this.listenerIndex, 'security') };
  }

  private perListenerSettings(rest: string | undefined): void {
    const value = this.boolValue('per_listener_settings', rest);
    if (value && this.securitySeen) {
      this.fail(
        'per_listener_settings must be set before any other security settings (Mosquitto refuses it too)',
      );
    }
    this.conf.perListenerSettings = value;
    this.mark('perListenerSettings');
  }

  private logType(rest: string | undefined): void {
    const value = this.firstToken('log_type', rest);
    if (!(LOG_TYPES as readonly string[]).includes(value)) {
      this.fail(`invalid log_type value "${value}": use one of ${LOG_TYPES.join(', ')}`);
    }
    this.conf.logTypes.push(value);
    this.mark(`logTypes[${this.conf.logTypes.length - 1}]`);
  }

  private logDest(rest: string | undefined): void {
    const value = this.firstToken('log_dest', rest);
    if (!(LOG_DESTS as readonly string[]).includes(value)) {
      this.fail(`invalid log_dest value "${value}": use one of ${LOG_DESTS.join(', ')}`);
    }
    let entry: string = value;
    if (value === 'file') {
      const path = trimOf((rest ?? '').replace(/^ *file/, ''), ' \t');
      if (!path) this.fail('empty "log_dest file" value: name the log file');
      if (this.conf.logDest.some((d) => d.startsWith('file '))) this.fail('duplicate "log_dest file" value');
      entry = `file ${path}`;
    }
    this.conf.logDest.push(entry);
    this.mark(`logDest[${this.conf.logDest.length - 1}]`);
    if (value !== 'stdout') {
      this.conf.notices.push({
        level: 'info',
        message: `log_dest ${value} ignored: the local broker logs to its event log (and stdout in the CLI)`,
        file: this.file,
        line: this.lineNo,
      });
    }
  }

  // --- bridges ----------------------------------------------------------------------------------

  private connection(rest: string | undefined): void {
    const name = this.firstToken('connection', rest);
    if (this.conf.bridges.some((b) => b.name === name)) this.fail(`duplicate bridge name "${name}"`);
    this.bridge = { name, addresses: [], topics: [] };
    this.conf.bridges.push(this.bridge);
    this.bridgePath = `bridges[${this.conf.bridges.length - 1}]`;
    this.mark(this.bridgePath);
  }

  private currentBridge(keyword: string): BridgeSettings {
    if (!this.bridge)
      this.fail(`${keyword} must come after a "connection" line (invalid bridge configuration)`);
    return this.bridge;
  }

  private address(keyword: string, rest: string | undefined): void {
    const bridge = this.currentBridge(keyword);
    if (bridge.addresses.length > 0) this.fail(`duplicate ${keyword} line in bridge "${bridge.name}"`);
    const addresses = (rest ?? '').split(' ').filter((t) => t !== '');
    if (addresses.length === 0) this.fail(`empty ${keyword} value`);
    for (const address of addresses) {
      const colon = address.lastIndexOf(':');
      if (colon >= 0) {
        const port = Number(address.slice(colon + 1));
        if (!Number.isInteger(port) || port < 1 || port > 65535) {
          this.fail(`invalid port in bridge address "${address}"`);
        }
      }
    }
    bridge.addresses = addresses;
    this.mark(`${this.bridgePath}.addresses`);
  }

  private bridgeTopic(rest: string | undefined): void {
    const bridge = this.currentBridge('topic');
    const value = this.stringValue('topic', rest);
    const parts = value.split(' ').filter((t) => t !== '');
    if (parts[1] && !['in', 'out', 'both'].includes(parts[1].toLowerCase())) {
      this.fail(`invalid bridge topic direction "${parts[1]}": use in, out or both`);
    }
    if (parts[2] && !['0', '1', '2'].includes(parts[2])) this.fail(`invalid bridge QoS level "${parts[2]}"`);
    bridge.topics.push(parts.join(' '));
    this.mark(`${this.bridgePath}.topics[${bridge.topics.length - 1}]`);
  }

  private checkBridgePskVsCertificates(bridge: BridgeSettings, keyword: string): void {
    const certificateSide = ['bridge_cafile', 'bridge_capath', 'bridge_certfile', 'bridge_keyfile'];
    const pskSide = ['bridge_psk', 'bridge_identity'];
    if (certificateSide.includes(keyword) && (bridge.psk || bridge.identity)) {
      this.fail(
        `cannot use both certificate and PSK encryption in bridge "${bridge.name}" (Mosquitto refuses it too)`,
      );
    }
    if (pskSide.includes(keyword) && (bridge.cafile || bridge.capath || bridge.certfile || bridge.keyfile)) {
      this.fail(
        `cannot use both certificate and PSK encryption in bridge "${bridge.name}" (Mosquitto refuses it too)`,
      );
    }
  }

  // --- whole-file checks ------------------------------------------------------------------------

  private finish(): void {
    const { conf } = this;
    if (conf.listeners.length === 0) {
      this.fail('no "listener" line: add one, e.g. "listener 8883"', null);
    }
    if (conf.listeners.every((l) => l.protocol === 'websockets')) {
      this.failAt(
        'only websockets listeners: Mosquitto 2.0.11 does not start without an mqtt listener ("Unable to start any listening sockets")',
        settingPath(0),
      );
    }
    conf.listeners.forEach((listener, index) => this.checkListener(listener, index));
    for (const [index, bridge] of conf.bridges.entries()) {
      const path = `bridges[${index}]`;
      if (bridge.addresses.length === 0) this.failAt(`bridge "${bridge.name}" has no address line`, path);
      if (bridge.topics.length === 0) this.failAt(`bridge "${bridge.name}" has no topic line`, path);
      if (Boolean(bridge.psk) !== Boolean(bridge.identity)) {
        this.failAt(`bridge "${bridge.name}" needs both bridge_psk and bridge_identity`, path);
      }
    }
  }

  private checkListener(listener: ListenerSettings, index: number): void {
    const at = (field: keyof ListenerSettings) => settingPath(index, field);
    for (const [field, reason] of Object.entries(PRODUCTION_ONLY) as Array<
      [keyof ListenerSettings, string]
    >) {
      if (listener[field] === undefined) continue;
      const key = this.lines[at(field)] !== undefined ? at(field) : settingPath(index);
      this.conf.notices.push({
        level: 'info',
        message: `${LISTENER_KEYWORDS[field]} kept for export, not used by the local broker: ${reason}`,
        file: this.files[key] ?? this.mainFile,
        line: this.lines[key],
      });
    }
    const stop = (message: string, field: keyof ListenerSettings): never =>
      this.failAt(message, at(field), settingPath(index));
    const notice = (message: string, field: keyof ListenerSettings) => {
      const key = this.lines[at(field)] !== undefined ? at(field) : settingPath(index);
      this.conf.notices.push({
        level: 'warning',
        message,
        file: this.files[key] ?? this.mainFile,
        line: this.lines[key],
      });
    };

    if (listener.pskHint) {
      const clash = (['cafile', 'capath', 'certfile', 'keyfile'] as const).filter(
        (f) => listener[f] !== undefined,
      );
      if (clash.length > 0) {
        const fields: Array<keyof ListenerSettings> = [...clash, 'pskHint'];
        const last = fields.reduce((a, b) => ((this.lines[at(b)] ?? 0) > (this.lines[at(a)] ?? 0) ? b : a));
        stop(
          `psk_hint and ${clash.map((f) => LISTENER_KEYWORDS[f]).join(', ')} on one listener: Mosquitto 2.0.11 refuses this or silently ignores the PSK, depending on line order — use two listeners`,
          last,
        );
      }
    }
    if (listener.protocol === 'websockets') {
      for (const field of NOT_FOR_WEBSOCKETS) {
        if (listener[field] !== undefined) {
          stop(
            `${LISTENER_KEYWORDS[field]} does not apply to websockets listeners: Mosquitto 2.0.11 silently ignores it there`,
            field,
          );
        }
      }
    }
    if (listener.certfile && !listener.keyfile) {
      stop(
        'certfile without keyfile: Mosquitto would run this listener as plain MQTT, without TLS',
        'certfile',
      );
    }
    if (listener.keyfile && !listener.certfile) {
      stop(
        'keyfile without certfile: Mosquitto would run this listener as plain MQTT, without TLS',
        'keyfile',
      );
    }
    const certificateTls = hasCertificateTls(listener);
    const pskTls = Boolean(listener.pskHint);
    for (const field of CERTIFICATE_TLS_FIELDS) {
      const value = listener[field];
      if (value === undefined || value === false) continue;
      if (certificateTls) continue;
      if (pskTls && ['tlsVersion', 'ciphers', 'ciphersTls13', 'useIdentityAsUsername'].includes(field))
        continue;
      stop(
        `${LISTENER_KEYWORDS[field]} has no effect: this listener has no certfile and keyfile, so Mosquitto runs it as plain MQTT without TLS`,
        field,
      );
    }
    if (certificateTls) {
      if (listener.requireCertificate && !listener.cafile && !listener.capath) {
        notice(
          'require_certificate true without cafile or capath: no client certificate can be verified, every client will be refused',
          'requireCertificate',
        );
      }
      if ((listener.useIdentityAsUsername || listener.useSubjectAsUsername) && !listener.requireCertificate) {
        const field = listener.useIdentityAsUsername ? 'useIdentityAsUsername' : 'useSubjectAsUsername';
        notice(
          `${LISTENER_KEYWORDS[field]} without require_certificate true: clients are never asked for a certificate, so Mosquitto refuses every client (CONNACK 4)`,
          field,
        );
      }
      if (listener.useIdentityAsUsername && listener.useSubjectAsUsername) {
        notice(
          'use_identity_as_username and use_subject_as_username both set: the CN wins (Mosquitto rule)',
          'useSubjectAsUsername',
        );
      }
      if (listener.crlfile && !listener.requireCertificate) {
        notice(
          'crlfile without require_certificate true: clients are not asked for certificates, the CRL has no effect',
          'crlfile',
        );
      }
    }
    if (pskTls) {
      const security = this.conf.perListenerSettings ? listener.security : this.conf.security;
      if (!security?.pskFile) {
        notice('psk_hint without psk_file: no PSK identity can connect to this listener', 'pskHint');
      }
    }
  }
}
