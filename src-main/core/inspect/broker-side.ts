/**
 * The broker's side of a probe: when the target is the app's own broker, its log entries for the very
 * same connections (the probe's local port is the broker's remote port; the MQTT client id as a fallback),
 * so the inspector shows the broker's reason beside its own diagnosis.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import type { BrokerEvent, ListenerStatus } from '../broker/index.js';
import type { Problem } from '../problems.js';
import { UNDECIDED_CLIENT_CERT } from './probe.js';
import type { InspectReport, ProbeTarget } from './types.js';

export interface BrokerSide {
  /** The listener of the app's broker that the target reached, e.g. `mqtts://127.0.0.1:8883`. */
  listener: string;
  /** Its log entries for the probe's connections, oldest first. */
  events: BrokerEvent[];
  /** The entry in which the broker refused the probe (its `reason` goes beside the inspector's problem). */
  refusal: BrokerEvent | null;
  /** Every connection of the probe has its closing entry (false: the log may still have been filling). */
  complete: boolean;
}

/** What identifies the probe in a broker's log. */
export interface ProbeTraces {
  localPorts: number[];
  clientIds: string[];
}

export function probeTraces(report: Pick<InspectReport, 'localPorts' | 'mqtt'>): ProbeTraces {
  return { localPorts: report.localPorts, clientIds: report.mqtt ? [report.mqtt.clientId] : [] };
}

function isLoopback(address: string): boolean {
  const plain = address.replace(/^::ffff:/, '');
  return plain === '::1' || /^127\./.test(plain);
}

/** This machine's own addresses and names (loopback, every interface, the host name). */
function localAddresses(): Set<string> {
  const own = new Set<string>(['localhost', '0.0.0.0', '::', hostname().toLowerCase()]);
  for (const list of Object.values(networkInterfaces())) {
    for (const entry of list ?? []) own.add(entry.address.toLowerCase());
  }
  return own;
}

/** True when `host` names this machine (resolving a name, within `timeoutMs`). */
export async function isThisMachine(host: string, timeoutMs = 1000): Promise<boolean> {
  const name = host.toLowerCase().replace(/^\[|\]$/g, '');
  const own = localAddresses();
  if (isLoopback(name) || own.has(name)) return true;
  if (isIP(name)) return false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<[]>((resolve) => {
    timer = setTimeout(() => resolve([]), timeoutMs);
  });
  try {
    const addresses = await Promise.race([lookup(name, { all: true }), timeout]);
    return addresses.some((entry) => isLoopback(entry.address) || own.has(entry.address.toLowerCase()));
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The listener of the app's running broker the target reaches: the same port, on this machine, and an
 * address the listener is bound to (any address when it has no bind address).
 */
export async function ownListener(
  target: Pick<ProbeTarget, 'host' | 'port'>,
  listeners: ListenerStatus[],
): Promise<ListenerStatus | null> {
  const candidates = listeners.filter((listener) => listener.port === target.port);
  if (candidates.length === 0 || !(await isThisMachine(target.host))) return null;
  const host = target.host.toLowerCase().replace(/^\[|\]$/g, '');
  return (
    candidates.find(
      (listener) =>
        !listener.bindAddress ||
        ['0.0.0.0', '::'].includes(listener.bindAddress) ||
        listener.bindAddress === host ||
        (isLoopback(listener.bindAddress) && (host === 'localhost' || isLoopback(host))),
    ) ?? null
  );
}

/** The broker's entries for the probe's connections: all entries of every connection that one of them names. */
export function brokerEventsFor(events: BrokerEvent[], traces: ProbeTraces): BrokerEvent[] {
  const connections = new Set<number>();
  for (const event of events) {
    if (event.connection === undefined) continue;
    const byPort = event.remotePort !== undefined && traces.localPorts.includes(event.remotePort);
    const byClientId =
      event.remotePort === undefined &&
      event.clientId !== undefined &&
      traces.clientIds.includes(event.clientId);
    if (byPort || byClientId) connections.add(event.connection);
  }
  return events.filter((event) => event.connection !== undefined && connections.has(event.connection));
}

const CLOSING = new Set<BrokerEvent['kind']>(['refused', 'disconnected']);

/** Every local port of the probe has a connection whose closing entry is in `events`. */
function closedAll(events: BrokerEvent[], traces: ProbeTraces): boolean {
  return traces.localPorts.every((port) =>
    events.some((event) => event.remotePort === port && CLOSING.has(event.kind)),
  );
}

export function brokerSide(listener: string, events: BrokerEvent[], traces: ProbeTraces): BrokerSide {
  const matched = brokerEventsFor(events, traces);
  return {
    listener,
    events: matched,
    refusal: matched.find((event) => event.kind === 'refused') ?? null,
    complete: closedAll(matched, traces),
  };
}

/**
 * Read the broker's log until every connection of the probe has its closing entry (the broker notices
 * the probe's close a moment after the probe returns), or `waitMs` passed.
 */
export async function collectBrokerSide(
  listener: string,
  read: () => Promise<BrokerEvent[]> | BrokerEvent[],
  traces: ProbeTraces,
  waitMs = 1500,
): Promise<BrokerSide> {
  const until = Date.now() + waitMs;
  for (;;) {
    const side = brokerSide(listener, await read(), traces);
    if (side.complete || Date.now() >= until) return side;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const REFUSAL_FIXES: Partial<Record<Problem['code'], string>> = {
  CLIENT_CERT_REQUIRED:
    "Give the client its certificate and key, issued by a CA in the broker's cafile (e.g. a workspace client certificate).",
  CLIENT_CERT_REJECTED:
    "Use a client certificate issued by a CA in the broker's cafile, or add its CA to the broker's cafile.",
  EXPIRED: 'Issue a new client certificate (and check the clocks of both machines).',
  NOT_YET_VALID: "Check the clocks of both machines, or wait until the certificate's start date.",
  REVOKED: 'Issue a new client certificate for this device; a revoked one cannot be brought back.',
  WRONG_PURPOSE: 'Re-issue the client certificate with the client profile (extendedKeyUsage clientAuth).',
  MQTT_NOT_AUTHORIZED:
    'Check the username and password, or the certificate the broker takes the username from.',
};

const CERTIFICATE_REFUSALS = new Set<Problem['code']>([
  'CLIENT_CERT_REQUIRED',
  'CLIENT_CERT_REJECTED',
  'EXPIRED',
  'NOT_YET_VALID',
  'REVOKED',
  'WRONG_PURPOSE',
  'BAD_SIGNATURE',
  'NOT_A_CA',
  'PATH_LENGTH_EXCEEDED',
]);

/**
 * Correct the report with what our broker logged: a certificate it refused is not "accepted" (a Node
 * broker finishes the handshake and refuses at CONNECT, which looks like acceptance from the client),
 * and a refusal the probe could not see becomes a problem (see brokerRefusalProblem).
 */
export function applyBrokerVerdict(report: InspectReport, side: BrokerSide | null): void {
  if (!side) return;
  const refusal = side.refusal;
  const sent = report.clientAuth.requested && (report.clientAuth.certificatesSent ?? 0) > 0;
  if (sent && refusal?.problem && CERTIFICATE_REFUSALS.has(refusal.problem)) {
    report.clientAuth.accepted = false;
  } else if (
    sent &&
    !refusal &&
    side.complete &&
    side.events.some((event) => event.clientCertificate !== undefined)
  ) {
    report.clientAuth.accepted = true; // the broker logged the connection with our certificate and no refusal
  }
  if (report.clientAuth.accepted !== null) {
    report.notes = report.notes.filter((note) => note.message !== UNDECIDED_CLIENT_CERT);
  }
  if (!refusal) return;
  const problem = brokerRefusalProblem(report, side);
  if (problem) {
    report.problems.push(problem);
    report.ok = false;
  }
}

/**
 * What our broker refused that the probe could not see (e.g. TLS 1.3: the broker refuses a certificate
 * after the handshake and only says so at CONNECT): a problem in the broker's words, so that a refused
 * connection is never reported as fine. Null when the probe already reports a problem.
 */
export function brokerRefusalProblem(report: InspectReport, side: BrokerSide | null): Problem | null {
  const refusal = side?.refusal;
  if (!refusal || report.problems.length > 0) return null;
  const code = refusal.problem ?? 'HANDSHAKE_FAILED';
  return {
    code,
    message: `The handshake looked fine from the client's side, but our broker refused this connection: ${refusal.reason ?? refusal.message}.`,
    fix:
      REFUSAL_FIXES[code] ??
      "Read the broker's entry for this connection below, and run the check with the MQTT CONNECT to see the client's side of the refusal.",
  };
}
