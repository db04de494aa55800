import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  effectiveSecurity,
  hasCertificateTls,
  hasPskTls,
  listenerScheme,
  parsePasswordFile,
  parsePskFile,
  resolveConfPath,
  type ListenerSettings,
  type MosquittoConf,
} from '../conf/index.js';
import { certPath, keyPath, listCertificates, readCertPem } from '../pki/index.js';
import type { Workspace } from '../workspace/workspace.js';

/** Commands a person pastes into a shell to reach one listener, as they are (paths absolute, secrets read where they live). */
export interface ListenerCommands {
  /** The listener's position in the conf. */
  index: number;
  url: string;
  /** The tool the commands use: mosquitto_sub/pub, or mqtt.js's CLI for websockets (mosquitto's clients have none). */
  tool: 'mosquitto' | 'mqtt.js';
  sub: string;
  pub: string;
  /** The username the broker will see (decides the topic the ACL lets through). */
  username?: string;
  /** What the commands assume, in plain words. */
  notes: string[];
}

/** Quote for a POSIX shell when needed. */
export function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./:@=,+%-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

function readChain(file: string): X509Certificate[] {
  try {
    const pem = readFileSync(file, 'utf8').match(
      /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g,
    );
    return (pem ?? []).map((p) => new X509Certificate(p));
  } catch {
    return [];
  }
}

function issuedBy(cert: X509Certificate, ca: X509Certificate): boolean {
  try {
    return cert.checkIssued(ca) && cert.verify(ca.publicKey);
  } catch {
    return false;
  }
}

interface WorkshopCert {
  name: string;
  kind: string;
  cert: X509Certificate;
  hasKey: boolean;
  revoked: boolean;
  /** RFC 2253, as use_subject_as_username gives it. */
  subject: string;
}

function workshop(ws: Workspace): WorkshopCert[] {
  try {
    return listCertificates(ws).map((c) => ({
      name: c.name,
      kind: c.kind,
      cert: new X509Certificate(readCertPem(ws, c.name)),
      hasKey: c.hasKey,
      revoked: Boolean(c.revoked),
      subject: c.subject,
    }));
  } catch {
    return [];
  }
}

/** The workshop root the server's chain ends at: the file a client passes as --cafile. */
function rootFor(ws: Workspace, certs: WorkshopCert[], chain: X509Certificate[]): string | undefined {
  let current = chain[chain.length - 1];
  for (let hops = 0; current && hops < 10; hops++) {
    if (issuedBy(current, current)) {
      const self = certs.find((c) => c.cert.fingerprint256 === current!.fingerprint256);
      return self ? ws.path(certPath(self.name)) : undefined;
    }
    const issuer = certs.find(
      (c) => c.cert.fingerprint256 !== current!.fingerprint256 && issuedBy(current!, c.cert),
    );
    if (!issuer) return undefined;
    current = issuer.cert;
  }
  return undefined;
}

/** A workshop client certificate (with key, not revoked) the listener's cafile accepts; device-1 first. */
function clientFor(certs: WorkshopCert[], cafile: X509Certificate[]): WorkshopCert | undefined {
  const clients = certs
    .filter((c) => (c.kind === 'client' || c.kind === 'imported') && c.hasKey && !c.revoked && !c.cert.ca)
    .sort((a, b) => (a.name === 'device-1' ? -1 : b.name === 'device-1' ? 1 : a.name.localeCompare(b.name)));
  return clients.find((c) => cafile.some((ca) => issuedBy(c.cert, ca)));
}

function hostOf(listener: ListenerSettings): string {
  const bind = listener.bindAddress;
  if (!bind || bind === '0.0.0.0' || bind === '::' || bind === '127.0.0.1' || bind === '::1')
    return 'localhost';
  return bind;
}

/** Ready commands for every listener of the workspace broker's conf (`baseDir`: the conf's folder). */
export function listenerCommands(ws: Workspace, conf: MosquittoConf, baseDir: string): ListenerCommands[] {
  const certs = workshop(ws);
  return conf.listeners.map((listener, index) => commandsFor(ws, conf, listener, index, baseDir, certs));
}

function commandsFor(
  ws: Workspace,
  conf: MosquittoConf,
  listener: ListenerSettings,
  index: number,
  baseDir: string,
  certs: WorkshopCert[],
): ListenerCommands {
  const scheme = listenerScheme(listener);
  const host = hostOf(listener);
  const ws_ = listener.protocol === 'websockets';
  const url = `${scheme}://${host}:${listener.port}${ws_ ? '/mqtt' : ''}`;
  const notes: string[] = [];
  const args: string[] = [];
  let prefix = '';
  let username: string | undefined;
  const security = effectiveSecurity(conf, listener);
  const file = (p: string) => resolveConfPath(baseDir, p);

  if (hasCertificateTls(listener)) {
    const root = rootFor(ws, certs, readChain(file(listener.certfile!)));
    if (root) args.push(ws_ ? '--ca' : '--cafile', shellQuote(root));
    else {
      args.push(ws_ ? '--ca' : '--cafile', 'ROOT-CA.crt');
      notes.push(
        "The server certificate's root is not in the workshop: replace ROOT-CA.crt with the CA file that issued it.",
      );
    }
    if (listener.requireCertificate) {
      const cafile = listener.cafile ? readChain(file(listener.cafile)) : [];
      const client = clientFor(certs, cafile);
      if (client) {
        args.push(
          '--cert',
          shellQuote(ws.path(certPath(client.name))),
          '--key',
          shellQuote(ws.path(keyPath(client.name))),
        );
        if (listener.useIdentityAsUsername) username = /CN=([^\n]*)/.exec(client.cert.subject)?.[1];
        else if (listener.useSubjectAsUsername) username = client.subject;
        notes.push(`Uses the workshop client certificate "${client.name}".`);
      } else {
        args.push('--cert', 'CLIENT.crt', '--key', 'CLIENT.key');
        notes.push(
          'No workshop client certificate is issued by a CA in cafile: issue one, then replace CLIENT.crt/CLIENT.key.',
        );
      }
    }
  } else if (hasPskTls(listener)) {
    const pskPath = security.pskFile ? file(security.pskFile) : undefined;
    let identity: string | undefined;
    try {
      if (pskPath) identity = [...parsePskFile(readFileSync(pskPath, 'utf8'), pskPath).identities.keys()][0];
    } catch {
      identity = undefined;
    }
    if (identity && pskPath) {
      args.push(
        '--psk',
        `"$(sed -n ${shellQuote(`s/^${identity.replace(/[.[\]*^$/\\]/g, '\\$&')}://p`)} ${shellQuote(pskPath)})"`,
        '--psk-identity',
        shellQuote(identity),
      );
      if (listener.useIdentityAsUsername) username = identity;
      notes.push(`The key of PSK identity "${identity}" is read from ${pskPath} as the command runs.`);
    } else {
      args.push('--psk', 'HEXKEY', '--psk-identity', 'IDENTITY');
      notes.push('Add a PSK identity to the psk_file first.');
    }
  }

  if (
    username === undefined &&
    security.passwordFile &&
    !(listener.useIdentityAsUsername || listener.useSubjectAsUsername)
  ) {
    let user: string | undefined;
    try {
      user = [...parsePasswordFile(readFileSync(file(security.passwordFile), 'utf8')).users.keys()][0];
    } catch {
      user = undefined;
    }
    if (user) {
      username = user;
      prefix = `read -rsp ${shellQuote(`Password for ${user}: `)} MQTT_PASSWORD && echo && `;
      args.push('-u', shellQuote(user), '-P', '"$MQTT_PASSWORD"');
      notes.push(`Asks for ${user}'s password (bash); the password file keeps only its hash.`);
    } else if (!security.allowAnonymous) {
      notes.push('Add a password user first: this listener refuses clients without one.');
    }
  }

  const topicUser = username ?? 'test';
  const subTopic = shellQuote(`devices/${topicUser}/#`);
  const pubTopic = shellQuote(`devices/${topicUser}/hello`);
  let sub: string;
  let pub: string;
  if (ws_) {
    const base =
      `npx --yes mqtt@5 %s --protocol ${scheme} -h ${host} -p ${listener.port} ${args.join(' ')}`.replace(
        / +$/,
        '',
      );
    sub = `${prefix}${base.replace('%s', 'sub')} -t ${subTopic} -v`;
    pub = `${prefix}${base.replace('%s', 'pub')} -t ${pubTopic} -m hello`;
    notes.unshift(
      "mosquitto_pub and mosquitto_sub 2.0 speak no websockets: these use mqtt.js's command line (npx).",
    );
  } else {
    const base = `-h ${host} -p ${listener.port}${args.length ? ' ' + args.join(' ') : ''}`;
    sub = `${prefix}mosquitto_sub ${base} -t ${subTopic} -v`;
    pub = `${prefix}mosquitto_pub ${base} -t ${pubTopic} -m hello`;
  }
  const out: ListenerCommands = { index, url, tool: ws_ ? 'mqtt.js' : 'mosquitto', sub, pub, notes };
  if (username !== undefined) out.username = username;
  return out;
}
