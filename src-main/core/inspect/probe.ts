/**
 * The handshake inspector's probe: connect to a broker, do the TLS handshake while recording both
 * directions, optionally send an MQTT CONNECT, then explain everything that would make a client fail.
 */
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Problem, ProblemCode } from '../problems.js';
import { checkHost } from '../pki/hostname.js';
import { readCertificates, verifyCertificate } from '../pki/index.js';
import { decodeCertificate, decodeName, type DecodedCertificate } from './certificate-facts.js';
import { chainShape } from './chain-shape.js';
import { judgeChainTrust } from './chain-trust.js';
import {
  connectProblem,
  describeForeignBytes,
  diagnoseHandshake,
  mqttProblems,
  notTlsProblem,
  timeoutProblem,
  tlsOnPlainProblem,
} from './diagnosis.js';
import { handshakeFacts, type HandshakeFacts } from './handshake-facts.js';
import { mqttConnect, type ExchangeEvent, type MqttExchange } from './mqtt-exchange.js';
import { connackCode, connackMeaning, type ConnectFields } from './mqtt-packets.js';
import { prepareMaterial, type ProbeMaterial } from './probe-material.js';
import { parseTarget } from './target.js';
import { tcpConnect } from './tcp-connect.js';
import { buildTimeline } from './timeline.js';
import { runHandshake, settle } from './tls-handshake.js';
import { cipherSuiteName, groupName, versionName } from './tls-names.js';
import { decodeTranscript, type Transcript } from './tls-transcript.js';
import type {
  ClientAuthReport,
  HostnameCheck,
  InspectReport,
  MqttReport,
  Note,
  ProbeOptions,
  ProbeTarget,
  TimelineEntry,
} from './types.js';
import { MAX_SERVER_BYTES, formatBytes } from './peer-limits.js';

export const DEFAULT_TIMEOUT_MS = 10_000;

/** The note when TLS 1.3 left open whether the broker accepts our certificate (its log may tell). */
export const UNDECIDED_CLIENT_CERT =
  'The broker did not show within the wait whether it accepts our client certificate (TLS 1.3 decides after the handshake).';

interface ProbeContext {
  target: ProbeTarget;
  options: ProbeOptions;
  material: ProbeMaterial;
  timeoutMs: number;
  deadline: number;
  clock: () => number;
  timeline: TimelineEntry[];
  mqttFields: ConnectFields | null;
  /** Local TCP ports of every connection the probe opened (a broker logs them as the remote port). */
  localPorts: number[];
}

function connectFields(options: ProbeOptions, force: boolean): ConnectFields | null {
  if (!options.mqtt && !force) return null;
  const given = typeof options.mqtt === 'object' ? options.mqtt : {};
  return {
    clientId: given.clientId ?? `mts-inspect-${randomBytes(3).toString('hex')}`,
    ...(given.username !== undefined ? { username: given.username } : {}),
    ...(given.password !== undefined ? { password: given.password } : {}),
    ...(given.protocolVersion === 5 ? { protocolVersion: 5 as const } : {}),
  };
}

function emptyReport(context: ProbeContext): InspectReport {
  const { target, material } = context;
  return {
    ok: false,
    target: target.display,
    host: target.host,
    port: target.port,
    scheme: target.scheme,
    protocol: null,
    cipher: null,
    cipherIana: null,
    servername: null,
    alpn: null,
    keyExchange: null,
    helloRetryRequest: false,
    chain: [],
    chainShape: null,
    validation: {
      trust: material.trustLabel,
      trusted: false,
      steps: [],
      hostname: null,
      opensslVerdict: null,
    },
    clientAuth: {
      requested: false,
      acceptableCAs: [],
      offered: null,
      certificatesSent: null,
      accepted: null,
      serverAlert: null,
    },
    mqtt: null,
    timeline: [],
    problems: [],
    notes: [],
    localPorts: [],
    durationMs: 0,
  };
}

function note(context: ProbeContext, from: TimelineEntry['from'], event: string, detail: string): void {
  context.timeline.push({
    atMs: Math.round(context.clock() * 10) / 10,
    from,
    event,
    detail,
    encrypted: false,
  });
}

function mqttReport(exchange: MqttExchange, fields: ConnectFields): MqttReport {
  const version = fields.protocolVersion ?? 4;
  const base = { protocolVersion: version, clientId: fields.clientId, username: fields.username ?? null };
  if (exchange.kind === 'connack') {
    return {
      ...base,
      returnCode: exchange.connack.returnCode,
      sessionPresent: exchange.connack.sessionPresent,
      result: connackMeaning(exchange.connack.returnCode, version),
      ...(exchange.connack.reasonString !== undefined ? { reasonString: exchange.connack.reasonString } : {}),
    };
  }
  const result =
    exchange.kind === 'timeout'
      ? `no answer while waiting for ${exchange.waitingFor}`
      : exchange.kind === 'upgrade-refused'
        ? `WebSocket upgrade refused: ${exchange.statusLine}`
        : exchange.kind === 'not-mqtt'
          ? `not an MQTT answer: ${exchange.reason}`
          : exchange.kind === 'misbehaving'
            ? `server misbehaving: ${exchange.reason}`
            : `connection closed while waiting for ${exchange.waitingFor}`;
  return { ...base, returnCode: null, sessionPresent: null, result };
}

function pushTimeline(context: ProbeContext, events: ExchangeEvent[]): void {
  for (const event of events) {
    context.timeline.push({
      atMs: Math.round(event.at * 10) / 10,
      from: event.from,
      event: event.event,
      detail: event.detail,
      encrypted: false,
    });
  }
}

/** Open a TCP connection for the probe, remembering its local port. */
async function connectFor(context: ProbeContext, deadline: number): ReturnType<typeof tcpConnect> {
  const tcp = await tcpConnect(context.target.host, context.target.port, deadline);
  if (tcp.kind === 'connected' && tcp.socket.localPort !== undefined)
    context.localPorts.push(tcp.socket.localPort);
  return tcp;
}

/** A second, plain-MQTT look at a port that did not answer TLS: is it a plain MQTT listener? */
async function answersPlainMqtt(context: ProbeContext): Promise<boolean> {
  const { deadline, clock } = context;
  const until = Math.min(deadline, Date.now() + 3000);
  const tcp = await connectFor(context, until);
  if (tcp.kind !== 'connected') return false;
  try {
    const exchange = await mqttConnect(
      tcp.socket,
      { clientId: `mts-inspect-${randomBytes(3).toString('hex')}` },
      until,
      clock,
      [],
    );
    return exchange.kind === 'connack';
  } finally {
    tcp.socket.destroy();
  }
}

/** A second, TLS look at a port that did not answer plain MQTT: does it start a TLS handshake? */
async function answersTls(target: ProbeTarget, context: ProbeContext): Promise<boolean> {
  const until = Math.min(context.deadline, Date.now() + 3000);
  const tcp = await connectFor(context, until);
  if (tcp.kind !== 'connected') return false;
  const run = await runHandshake(tcp.socket, {
    servername: isIP(target.host) ? null : target.host,
    alpn: [],
    trustPem: context.material.trustPem,
    identity: null,
    deadline: until,
    clock: context.clock,
    ...(context.options.onKeylog ? { onKeylog: context.options.onKeylog } : {}),
  });
  const facts = handshakeFacts(decodeTranscript(run.tap.fromServer, run.tap.toServer, run.keylog));
  run.tls.destroy();
  tcp.socket.destroy();
  return facts.serverHello !== null || facts.helloRetry !== null;
}

function finish(report: InspectReport, context: ProbeContext, transcript: Transcript | null): InspectReport {
  report.timeline = transcript
    ? buildTimeline(transcript, context.timeline)
    : [...context.timeline].sort((a, b) => a.atMs - b.atMs);
  report.durationMs = Math.round(context.clock());
  report.problems = dedupe(report.problems);
  report.localPorts = [...context.localPorts];
  return report;
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((problem) => {
    const key = `${problem.code}|${problem.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

async function plainProbe(context: ProbeContext, report: InspectReport): Promise<InspectReport> {
  const { target } = context;
  const fields = context.mqttFields!;
  const tcp = await connectFor(context, context.deadline);
  if (tcp.kind === 'timeout') {
    report.problems.push(timeoutProblem('the TCP connection', context.timeoutMs, target));
    return finish(report, context, null);
  }
  if (tcp.kind === 'failed') {
    report.problems.push(connectProblem(tcp.error, target));
    return finish(report, context, null);
  }
  note(context, 'probe', 'TCP connected', `${target.host}:${target.port} in ${tcp.connectMs} ms (no TLS)`);
  const events: ExchangeEvent[] = [];
  const websocket =
    target.scheme === 'ws' ? { host: target.host, port: target.port, path: target.path } : undefined;
  const exchange = await mqttConnect(tcp.socket, fields, context.deadline, context.clock, events, websocket);
  tcp.socket.destroy();
  pushTimeline(context, events);
  report.mqtt = mqttReport(exchange, fields);
  const repliedTls =
    (exchange.kind === 'not-mqtt' && exchange.bytes[0] === 0x15 && exchange.bytes[1] === 0x03) ||
    ((exchange.kind === 'closed' || exchange.kind === 'error') &&
      (exchange.kind === 'error' || exchange.bytes.length === 0));
  if (
    exchange.kind !== 'connack' &&
    exchange.kind !== 'timeout' &&
    repliedTls &&
    (await answersTls(target, context))
  ) {
    report.problems.push(tlsOnPlainProblem(target));
  } else {
    report.problems.push(
      ...mqttProblems(exchange, target, context.timeoutMs, fields.username ?? null, fields.protocolVersion),
    );
  }
  report.ok = report.problems.length === 0 && exchange.kind === 'connack';
  if (report.ok) report.notes.push(notEncryptedNote(target));
  return finish(report, context, null);
}

/** A plain listener that works is still a warning: everything crosses the network readable. */
function notEncryptedNote(target: ProbeTarget): Note {
  const secure = target.scheme === 'ws' ? 'wss' : 'mqtts';
  return {
    message: `Not encrypted: ${target.display} is plain ${target.scheme === 'ws' ? 'MQTT over WebSockets' : 'MQTT'}, so topics, payloads, usernames and passwords cross the network readable, and nothing proves the broker is the one you meant.`,
    fix: `Use the broker's TLS listener (${secure}://, often port ${target.scheme === 'ws' ? '443 or 8081' : '8883'}); keep plain listeners on 127.0.0.1 for local tests only.`,
  };
}

/** The chain-trust codes: one of them already said makes OpenSSL's trust verdict no news. */
const TRUST_CODES: ProblemCode[] = ['UNTRUSTED_ROOT', 'MISSING_INTERMEDIATE', 'SELF_SIGNED_LEAF'];

const OPENSSL_VERDICTS: Record<string, ProblemCode> = {
  CERT_HAS_EXPIRED: 'EXPIRED',
  CERT_NOT_YET_VALID: 'NOT_YET_VALID',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'SELF_SIGNED_LEAF',
  SELF_SIGNED_CERT_IN_CHAIN: 'UNTRUSTED_ROOT',
  UNABLE_TO_GET_ISSUER_CERT: 'UNTRUSTED_ROOT',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'MISSING_INTERMEDIATE',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'MISSING_INTERMEDIATE',
  CERT_SIGNATURE_FAILURE: 'BAD_SIGNATURE',
  INVALID_CA: 'NOT_A_CA',
  PATH_LENGTH_EXCEEDED: 'PATH_LENGTH_EXCEEDED',
  INVALID_PURPOSE: 'WRONG_PURPOSE',
  CERT_REVOKED: 'REVOKED',
};

/** Judge the server's chain: shape, path validation (core/pki, as OpenSSL does it) and host name. */
function judgeChain(
  report: InspectReport,
  context: ProbeContext,
  sent: DecodedCertificate[],
  verdict: string | null,
): void {
  report.chain = sent.map((certificate) => certificate.summary);
  report.chainShape = chainShape(sent);
  const notes: Note[] = report.notes;
  if (!report.chainShape.inOrder) {
    notes.push({
      message: `The server sends its chain out of order: ${report.chainShape.remarks.find((remark) => remark.includes('followed by')) ?? ''} OpenSSL and Node reorder it, but stricter TLS stacks (some embedded clients) refuse such a chain.`,
      fix: "Write the certfile as: server certificate, then its issuer, then that issuer's issuer (the root can be left out).",
    });
  }
  if (report.chainShape.duplicates.length > 0) {
    notes.push({
      message: `The server sends the same certificate more than once (${report.chainShape.duplicates.map((index) => `#${index + 1}`).join(', ')}).`,
      fix: 'Remove the repeated certificate from the certfile.',
    });
  }
  if (report.chainShape.rootSent) {
    notes.push({
      message:
        'The server sends its root CA too. Clients ignore it (they must already trust the root), so it only costs bytes.',
      fix: "Leave the root out of the certfile; keep it in the clients' cafile.",
    });
  }
  const name = context.options.servername ?? context.target.host;
  const pem = sent.map((certificate) => certificate.summary.pem).join('');
  const unique = sent.filter(
    (certificate, index) =>
      sent.findIndex((other) => other.summary.fingerprint256 === certificate.summary.fingerprint256) ===
      index,
  );
  const result = verifyCertificate({
    certPem: unique.map((certificate) => certificate.summary.pem).join('') || pem,
    caPem: context.material.trustPem,
    ...(context.material.crlPem !== undefined ? { crlPem: context.material.crlPem } : {}),
    purpose: 'server',
    host: name,
    files: { cert: 'server chain', ca: context.material.trustLabel, crl: 'CRL file' },
  });
  report.validation.steps = result.steps.map((step) => ({
    check: step.name,
    ok: step.ok,
    detail: step.detail,
  }));
  // Missing intermediate or untrusted root: decided from the chain as sent (chain-trust.ts), not verify's guess.
  const chainProblems = result.problems.some((problem) => problem.code === 'SELF_SIGNED_LEAF')
    ? []
    : judgeChainTrust({
        sent: unique.map((certificate) => certificate.parsed),
        trust: readCertificates(context.material.trustPem, context.material.trustLabel),
        trustLabel: context.material.trustLabel,
        known: context.options.knownCasPem ? readCertificates(context.options.knownCasPem, 'known CAs') : [],
      }).problems;
  const problems = [
    ...chainProblems,
    ...result.problems.filter(
      (problem) => !TRUST_CODES.includes(problem.code) || problem.code === 'SELF_SIGNED_LEAF',
    ),
  ];
  report.validation.trusted = !problems.some((problem) =>
    [...TRUST_CODES, 'BAD_SIGNATURE'].includes(problem.code),
  );
  report.validation.opensslVerdict = verdict;
  report.problems.push(...problems);
  const leaf = sent[0]!;
  const host = checkHost(leaf.parsed, name);
  const hostname: HostnameCheck = {
    name,
    kind: isIP(name) ? 'ip' : 'dns',
    matched: host.ok,
    matchedBy: host.ok ? (host.cnOnly ? 'CN' : 'SAN') : null,
    ipOnlyInCommonName: !host.ok && isIP(name) !== 0 && host.cnOnly === true,
  };
  report.validation.hostname = hostname;
  if (hostname.matchedBy === 'CN') {
    notes.push({
      message: `"${name}" matches only the certificate's common name (it has no DNS subjectAltName). OpenSSL and Node accept that; Go, browsers and Python's ssl refuse it.`,
      fix: `Re-issue the server certificate with subjectAltName DNS:${name}.`,
    });
  }
  // OpenSSL's own verdict with the same trust is a second opinion: never report OK where it refuses.
  const code = verdict ? OPENSSL_VERDICTS[verdict] : undefined;
  const alreadySaid = (candidate: Problem) =>
    candidate.code === code || (TRUST_CODES.includes(candidate.code) && TRUST_CODES.includes(code!));
  if (verdict && !problems.some(alreadySaid)) {
    report.problems.push({
      code: code ?? 'HANDSHAKE_FAILED',
      message: `OpenSSL refuses the server's chain with the same trust: ${verdict}.`,
      fix: 'Compare with `openssl s_client -verify_return_error` (see "copy as openssl command") and fix the server\'s certificate or the client\'s CA file.',
    });
  }
}

function clientAuthReport(facts: HandshakeFacts, material: ProbeMaterial): ClientAuthReport {
  let offered = null;
  if (material.identity) {
    try {
      offered = decodeCertificate(
        readCertificates(material.identity.certPem, material.identity.label)[0]!.der,
      ).summary;
    } catch {
      offered = null;
    }
  }
  return {
    requested: facts.certificateRequest !== null,
    acceptableCAs: facts.certificateRequest?.authorities.map(decodeName) ?? [],
    offered,
    certificatesSent: facts.clientCertificatesSent,
    accepted: null,
    serverAlert: null,
  };
}

export async function probe(
  targetInput: string | ProbeTarget,
  options: ProbeOptions = {},
): Promise<InspectReport> {
  const target = typeof targetInput === 'string' ? parseTarget(targetInput) : targetInput;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const material = await prepareMaterial(options);
  const started = performance.now();
  const plain = target.scheme === 'mqtt' || target.scheme === 'ws';
  const context: ProbeContext = {
    target,
    options,
    material,
    timeoutMs,
    deadline: Date.now() + timeoutMs,
    clock: () => performance.now() - started,
    timeline: [],
    mqttFields: connectFields(options, plain),
    localPorts: [],
  };
  const report = emptyReport(context);
  if (plain) return plainProbe(context, report);

  const tcp = await connectFor(context, context.deadline);
  if (tcp.kind === 'timeout') {
    report.problems.push(timeoutProblem('the TCP connection', timeoutMs, target));
    return finish(report, context, null);
  }
  if (tcp.kind === 'failed') {
    report.problems.push(connectProblem(tcp.error, target));
    return finish(report, context, null);
  }
  note(context, 'probe', 'TCP connected', `${target.host}:${target.port} in ${tcp.connectMs} ms`);
  const servername = options.servername ?? (isIP(target.host) ? null : target.host);
  const alpn = options.alpn ?? [];
  const run = await runHandshake(tcp.socket, {
    servername,
    alpn,
    ...(options.tlsMin ? { tlsMin: options.tlsMin } : {}),
    ...(options.tlsMax ? { tlsMax: options.tlsMax } : {}),
    trustPem: material.trustPem,
    identity: material.identity,
    deadline: context.deadline,
    clock: context.clock,
    ...(options.onKeylog ? { onKeylog: options.onKeylog } : {}),
  });
  const read = (): { transcript: Transcript; facts: HandshakeFacts } => {
    const transcript = decodeTranscript(run.tap.fromServer, run.tap.toServer, run.keylog);
    return { transcript, facts: handshakeFacts(transcript) };
  };
  let { facts } = read();
  if (run.tap.overflowed) {
    report.problems.push({
      code: 'PEER_MISBEHAVING',
      message: `The server sent more than ${formatBytes(MAX_SERVER_BYTES)} during the probe; the inspector stopped reading and closed the connection.`,
      fix: 'A TLS handshake and a CONNACK take a few KiB: check that this port is the broker you mean, and not a hostile or broken service.',
    });
  }
  let exchange: MqttExchange | null = null;
  const secure = run.outcome === 'secure';
  if (secure) {
    if (facts.tls13 && facts.certificateRequest) {
      // TLS 1.3: the server judges our certificate after its own Finished; wait for its verdict.
      await settle(
        run,
        Math.min(2000, Math.max(250, tcp.connectMs * 4)),
        context.deadline,
        context.mqttFields !== null,
      );
    }
    if (context.mqttFields && !run.closed() && !run.lateError()) {
      const events: ExchangeEvent[] = [];
      const websocket =
        target.scheme === 'wss' ? { host: target.host, port: target.port, path: target.path } : undefined;
      exchange = await mqttConnect(
        run.tls as Duplex,
        context.mqttFields,
        context.deadline,
        context.clock,
        events,
        websocket,
      );
      pushTimeline(context, events);
    }
  }
  const authorizationError = secure
    ? ((run.tls.authorizationError as unknown as string | null) ?? null)
    : null;
  const protocol = secure ? run.tls.getProtocol() : null;
  const cipher = secure ? run.tls.getCipher() : null;
  const ephemeral = secure ? run.tls.getEphemeralKeyInfo() : null;
  const alpnSelected = secure ? run.tls.alpnProtocol : null;
  const closedBeforeEnd = run.closed();
  run.tls.destroy();
  tcp.socket.destroy();
  await new Promise((resolve) => setImmediate(resolve));
  const final = read();
  facts = final.facts;

  // What was negotiated.
  const hello = facts.serverHello;
  report.protocol = protocol ?? (hello ? versionName(hello.version) : null);
  report.cipher = cipher?.name ?? (hello ? cipherSuiteName(hello.cipherSuite).openssl : null);
  report.cipherIana = cipher?.standardName ?? (hello ? cipherSuiteName(hello.cipherSuite).iana : null);
  report.servername = facts.clientHello?.serverName ?? servername;
  report.alpn = (typeof alpnSelected === 'string' ? alpnSelected : null) ?? facts.alpn;
  report.keyExchange =
    facts.group !== null
      ? groupName(facts.group)
      : facts.dhBits
        ? `DHE ${facts.dhBits}`
        : ephemeral && 'name' in ephemeral && ephemeral.name
          ? String(ephemeral.name)
          : null;
  report.helloRetryRequest = facts.helloRetry !== null;
  report.clientAuth = clientAuthReport(facts, material);

  // Not TLS at all, or nothing at all?
  if (!hello && !facts.helloRetry) {
    if (facts.notTlsPreview) {
      report.problems.push(notTlsProblem(target, describeForeignBytes(facts.notTlsPreview)));
    } else if (run.outcome === 'timeout') {
      report.problems.push(timeoutProblem('an answer to the TLS ClientHello', timeoutMs, target));
    } else if (!facts.serverSentAnything && (await answersPlainMqtt(context))) {
      report.problems.push(
        notTlsProblem(
          target,
          'it closed the connection at our TLS ClientHello, and answers a plain MQTT CONNECT with a CONNACK: it is a plain MQTT listener.',
        ),
      );
    }
  }

  // The chain as sent.
  if (facts.serverCertificates && facts.serverCertificates.length > 0) {
    const sent: DecodedCertificate[] = [];
    for (const [index, der] of facts.serverCertificates.entries()) {
      try {
        sent.push(decodeCertificate(der, `server certificate #${index + 1}`));
      } catch (error) {
        report.notes.push({
          message: `Certificate #${index + 1} from the server cannot be decoded: ${(error as Error).message}`,
          fix: "Check the server's certfile.",
        });
      }
    }
    if (sent.length > 0) judgeChain(report, context, sent, authorizationError);
  } else if (secure && facts.serverCertificateHidden) {
    report.notes.push({
      message: "The server's Certificate message could not be decrypted, so the chain could not be read.",
      fix: "Report this target to the inspector's maintainers.",
    });
  }

  // Handshake-level failures (alerts, client certificate, versions).
  const lateError = run.lateError();
  const closedSilently =
    run.outcome === 'closed' ||
    (secure && closedBeforeEnd && exchange?.kind !== 'connack') ||
    (secure && exchange !== null && ['closed', 'error'].includes(exchange.kind));
  const acceptable = report.clientAuth.acceptableCAs;
  const handshake = report.problems.some(
    (problem) => problem.code === 'NOT_TLS' || problem.code === 'TIMEOUT',
  )
    ? { problems: [], clientCertRefused: false, serverAlert: null }
    : diagnoseHandshake({
        facts,
        target,
        error: run.error ?? lateError,
        closedSilently: closedSilently && !facts.alerts.some((alert) => alert.from === 'server'),
        handshakeCompleted: secure,
        identityOffered: material.identity !== null,
        acceptableCaHint: acceptable.length > 0 ? acceptable.map((name) => `"${name}"`).join(', ') : null,
        alpnOffered: alpn,
        servername,
        ...(options.tlsMin ? { tlsMin: options.tlsMin } : {}),
        ...(options.tlsMax ? { tlsMax: options.tlsMax } : {}),
      });
  report.problems.unshift(...handshake.problems);
  report.clientAuth.serverAlert = handshake.serverAlert;
  if (
    report.clientAuth.requested &&
    (report.clientAuth.certificatesSent ?? (material.identity ? 1 : 0)) > 0
  ) {
    report.clientAuth.accepted = handshake.clientCertRefused
      ? false
      : exchange?.kind === 'connack' || (secure && !closedBeforeEnd && (!facts.tls13 || run.sessionTicket()))
        ? true
        : null;
  }
  if (
    secure &&
    report.clientAuth.requested &&
    report.clientAuth.accepted === null &&
    !handshake.clientCertRefused &&
    material.identity
  ) {
    report.notes.push({
      message: UNDECIDED_CLIENT_CERT,
      fix: 'Add the MQTT check (--mqtt): the CONNACK shows it for sure.',
    });
  }
  if (!secure && run.outcome === 'timeout' && hello) {
    report.problems.push(timeoutProblem('the end of the TLS handshake', timeoutMs, target));
  }
  if (!secure && report.problems.length === 0) {
    report.problems.push({
      code: 'HANDSHAKE_FAILED',
      message: `The TLS handshake did not complete${run.error ? `: ${run.error.message}` : ''}.`,
      fix: "Read the broker's log for this connection.",
    });
  }

  // MQTT.
  if (exchange && context.mqttFields) {
    report.mqtt = mqttReport(exchange, context.mqttFields);
    const refusedLogin = exchange.kind !== 'connack' || [4, 5].includes(exchange.connack.returnCode);
    if (
      !handshake.clientCertRefused &&
      refusedLogin &&
      report.clientAuth.requested &&
      report.clientAuth.certificatesSent === 0
    ) {
      // Brokers that check certificates after the handshake (Node/aedes) refuse the login instead.
      report.problems.push({
        code: 'CLIENT_CERT_REQUIRED',
        message: `The broker asked for a client certificate during the handshake, none was sent, and it then refused the MQTT connection (${report.mqtt.returnCode !== null ? connackCode(report.mqtt.returnCode, report.mqtt.protocolVersion) : report.mqtt.result}).`,
        fix: "Give the client its certificate and key (--cert/--key, or a PKCS#12), issued by a CA in the broker's cafile.",
      });
    } else if (!handshake.clientCertRefused) {
      const sentCertificate = report.clientAuth.requested && (report.clientAuth.certificatesSent ?? 0) > 0;
      report.problems.push(
        ...mqttProblems(
          exchange,
          target,
          timeoutMs,
          context.mqttFields.username ?? null,
          context.mqttFields.protocolVersion,
        ).map((problem) =>
          problem.code === 'MQTT_NOT_AUTHORIZED' && sentCertificate
            ? {
                ...problem,
                message: `${problem.message} Our client certificate went through the TLS handshake; a broker that checks certificates after the handshake (Node/aedes-based brokers, this app's included) refuses an unknown, expired or revoked certificate this way.`,
                fix: `${problem.fix} Check the broker's log for this connection, and that the certificate is issued by a CA in its cafile.`,
              }
            : problem,
        ),
      );
    }
  }
  report.ok = secure && report.problems.length === 0 && (!context.mqttFields || exchange?.kind === 'connack');
  return finish(report, context, final.transcript);
}
