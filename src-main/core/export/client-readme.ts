/**
 * The README.txt of a client bundle (`clients/NAME/`): what each file is, the broker's address, and
 * ready commands for mosquitto_sub/mosquitto_pub plus mqtt.js and Python paho-mqtt snippets that use
 * exactly the files in the folder.
 */

export type Scheme = 'mqtt' | 'mqtts' | 'ws' | 'wss';

/** One listener of the exported broker, as a client of this bundle reaches it. */
export interface ClientEndpoint {
  scheme: Scheme;
  host: string;
  port: number;
  /** Where the broker takes the username from on this listener. */
  username: { source: 'cn' | 'subject'; value: string } | { source: 'connect'; value?: string };
  /** The listener checks a password file (the user must pass -u/-P). */
  password: boolean;
  /** The listener asks for (and requires) the client certificate. */
  requireCertificate: boolean;
  /** Minimum TLS version the listener accepts (tlsv1.2, tlsv1.3…), when set. */
  tlsVersion?: string;
}

export interface ClientReadmeInput {
  /** Workspace name of the certificate (the folder and file names). */
  name: string;
  cn: string;
  /** RFC 2253 subject. */
  subject: string;
  notAfter: string;
  /** File names inside the folder. */
  files: { ca: string; cert: string; key: string; p12?: string };
  /** Listeners this client can use, best first (mqtts before wss…). */
  endpoints: ClientEndpoint[];
  /** A topic this client may publish to, and a filter it may read. */
  publishTopic: string;
  subscribeFilter: string;
  /** Client ids for the two commands (distinct so both can run at once). */
  publishClientId: string;
  subscribeClientId: string;
  /** Extra lines worth knowing (revoked, ACL gives nothing, host name advice…). */
  notes: string[];
  /** The server certificate's names (dns:…, ip:…), to explain which host names work. */
  serverNames: string[];
}

/** Quote a word for a POSIX shell, only when needed. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_./:=@%+,-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

function jsString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function pyString(s: string): string {
  return JSON.stringify(s);
}

function usernameLine(endpoint: ClientEndpoint): string {
  const u = endpoint.username;
  if (u.source === 'cn') return `the broker takes the username "${u.value}" from the certificate's CN`;
  if (u.source === 'subject')
    return `the broker takes the username "${u.value}" from the certificate's subject`;
  return endpoint.password
    ? "log in with a username and password from the broker's password file"
    : 'the username is whatever the client sends (none here)';
}

function describeEndpoint(e: ClientEndpoint): string {
  const parts: string[] = [];
  if (e.scheme === 'mqtts' || e.scheme === 'wss') {
    parts.push(e.requireCertificate ? 'TLS with this client certificate' : 'TLS (server certificate only)');
    if (e.tlsVersion) parts.push(`TLS ${e.tlsVersion.replace(/^tlsv/, '')} or later`);
  } else parts.push('no TLS');
  if (e.scheme === 'ws' || e.scheme === 'wss') parts.push('MQTT over WebSockets');
  parts.push(usernameLine(e));
  return `  ${e.scheme}://${e.host}:${e.port}  (${parts.join('; ')})`;
}

function mosquittoArgs(input: ClientReadmeInput, e: ClientEndpoint, clientId: string): string[] {
  const args = ['-h', e.host, '-p', String(e.port)];
  if (e.scheme === 'mqtts') {
    args.push('--cafile', input.files.ca);
    if (e.requireCertificate) args.push('--cert', input.files.cert, '--key', input.files.key);
  }
  if (e.password) {
    const user = e.username.source === 'connect' && e.username.value ? e.username.value : input.cn;
    args.push('-u', user, '-P', '"$MQTT_PASSWORD"');
  }
  args.push('-i', clientId);
  return args;
}

function commandLine(program: string, args: string[]): string {
  return [program, ...args.map((a) => (a === '"$MQTT_PASSWORD"' ? a : shellQuote(a)))].join(' ');
}

function mqttJsSnippet(input: ClientReadmeInput, e: ClientEndpoint): string {
  const options: string[] = [];
  if (e.scheme === 'mqtts' || e.scheme === 'wss') {
    options.push(`  ca: readFileSync(${jsString(input.files.ca)}),`);
    if (e.requireCertificate) {
      options.push(`  cert: readFileSync(${jsString(input.files.cert)}),`);
      options.push(`  key: readFileSync(${jsString(input.files.key)}),`);
    }
  }
  if (e.password) {
    const user = e.username.source === 'connect' && e.username.value ? e.username.value : input.cn;
    options.push(`  username: ${jsString(user)},`, '  password: process.env.MQTT_PASSWORD,');
  }
  options.push(`  clientId: ${jsString(input.publishClientId)},`, '  protocolVersion: 4,');
  if (e.scheme === 'mqtts' || e.scheme === 'wss') options.push('  rejectUnauthorized: true,');
  const url = `${e.scheme}://${e.host}:${e.port}`;
  return [
    "import { readFileSync } from 'node:fs';",
    "import mqtt from 'mqtt';",
    '',
    `const client = mqtt.connect(${jsString(url)}, {`,
    ...options,
    '});',
    "client.on('connect', () => {",
    `  client.subscribe(${jsString(input.subscribeFilter)}, { qos: 1 }, () => {`,
    `    client.publish(${jsString(input.publishTopic)}, ${jsString(`hello from ${input.cn}`)}, { qos: 1 });`,
    '  });',
    '});',
    "client.on('message', (topic, payload) => {",
    '  console.log(topic, payload.toString());',
    '  client.end();',
    '});',
    "client.on('error', (error) => console.error(error.message));",
  ].join('\n');
}

function pahoSnippet(input: ClientReadmeInput, e: ClientEndpoint): string {
  const lines = [
    'import paho.mqtt.client as mqtt',
    '',
    '# paho-mqtt 2.x wants the callback API version; 1.x does not know it.',
    'try:',
    `    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=${pyString(input.publishClientId)}${e.scheme === 'ws' || e.scheme === 'wss' ? ', transport="websockets"' : ''})`,
    'except AttributeError:',
    `    client = mqtt.Client(client_id=${pyString(input.publishClientId)}${e.scheme === 'ws' || e.scheme === 'wss' ? ', transport="websockets"' : ''})`,
  ];
  if (e.scheme === 'mqtts' || e.scheme === 'wss') {
    lines.push(
      e.requireCertificate
        ? `client.tls_set(ca_certs=${pyString(input.files.ca)}, certfile=${pyString(input.files.cert)}, keyfile=${pyString(input.files.key)})`
        : `client.tls_set(ca_certs=${pyString(input.files.ca)})`,
    );
  }
  if (e.password) {
    const user = e.username.source === 'connect' && e.username.value ? e.username.value : input.cn;
    lines.push('import os', `client.username_pw_set(${pyString(user)}, os.environ["MQTT_PASSWORD"])`);
  }
  lines.push(
    '',
    'def on_connect(client, userdata, *args):',
    `    client.subscribe(${pyString(input.subscribeFilter)}, qos=1)`,
    `    client.publish(${pyString(input.publishTopic)}, ${pyString(`hello from ${input.cn}`)}, qos=1)`,
    '',
    'def on_message(client, userdata, message):',
    '    print(message.topic, message.payload.decode())',
    '    client.disconnect()',
    '',
    'client.on_connect = on_connect',
    'client.on_message = on_message',
    `client.connect(${pyString(e.host)}, ${e.port})`,
    'client.loop_forever()',
  );
  return lines.join('\n');
}

function indent(text: string, by = '    '): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? '' : by + line))
    .join('\n');
}

/** The README.txt text for one client bundle. */
export function clientReadme(input: ClientReadmeInput): string {
  const title = `MQTT client bundle: ${input.name}`;
  const out: string[] = [title, '='.repeat(title.length), ''];
  out.push(`Certificate  ${input.subject}  (valid until ${input.notAfter})`, '');
  out.push('Files in this folder');
  const width = Math.max(
    ...[input.files.ca, input.files.cert, input.files.key, input.files.p12 ?? ''].map((f) => f.length),
  );
  out.push(
    `  ${input.files.ca.padEnd(width)}  the root CA of the broker's certificate: the client trusts the broker with it`,
  );
  out.push(
    `  ${input.files.cert.padEnd(width)}  this client's certificate, followed by the intermediate CA(s) it is sent with`,
  );
  out.push(
    `  ${input.files.key.padEnd(width)}  its private key (PKCS#8 PEM, mode 0600): keep it on the device, never share it`,
  );
  if (input.files.p12) {
    out.push(
      `  ${input.files.p12.padEnd(width)}  the same key and chain as PKCS#12, for tools that want one file`,
    );
  }
  out.push('');

  if (input.endpoints.length === 0) {
    out.push('Broker', '  The exported broker has no listener this client can use with its certificate.', '');
  } else {
    out.push('Broker');
    for (const e of input.endpoints) out.push(describeEndpoint(e));
    if (input.serverNames.length > 0) {
      out.push(
        '',
        `  Connect with a host name the server certificate holds (${input.serverNames.join(', ')}), or the`,
        '  TLS handshake fails with a host name mismatch. Replace the host below with that name if needed.',
      );
    }
    out.push('');
  }
  for (const note of input.notes) out.push(`Note: ${note}`);
  if (input.notes.length > 0) out.push('');

  const mosq = input.endpoints.find((e) => e.scheme === 'mqtts' || e.scheme === 'mqtt');
  if (mosq) {
    out.push('mosquitto_sub / mosquitto_pub (run them in this folder)');
    if (mosq.password) out.push("  export MQTT_PASSWORD=...   # this user's password");
    out.push(
      '  ' +
        commandLine('mosquitto_sub', [
          ...mosquittoArgs(input, mosq, input.subscribeClientId),
          '-t',
          input.subscribeFilter,
          '-q',
          '1',
          '-v',
        ]),
    );
    out.push(
      '  ' +
        commandLine('mosquitto_pub', [
          ...mosquittoArgs(input, mosq, input.publishClientId),
          '-t',
          input.publishTopic,
          '-q',
          '1',
          '-m',
          `hello from ${input.cn}`,
        ]),
    );
    if (mosq.tlsVersion === 'tlsv1.3') {
      out.push('  (the broker accepts TLS 1.3 only; add --tls-version tlsv1.3 with an old OpenSSL)');
    }
    out.push('');
  } else if (input.endpoints.length > 0) {
    out.push(
      'mosquitto_sub / mosquitto_pub',
      '  The broker only has WebSockets listeners here, which mosquitto_pub/mosquitto_sub 2.0 cannot use.',
      '  Use the mqtt.js or paho-mqtt snippet below.',
      '',
    );
  }

  const first = input.endpoints[0];
  if (first) {
    out.push('mqtt.js (Node 18+, `npm install mqtt`, save as client.mjs in this folder)', '');
    out.push(indent(mqttJsSnippet(input, first)), '');
    out.push('Python paho-mqtt (`pip install paho-mqtt`, save as client.py in this folder)', '');
    out.push(indent(pahoSnippet(input, first)), '');
  }
  return out.join('\n');
}
