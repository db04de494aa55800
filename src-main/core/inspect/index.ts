/**
 * The handshake inspector: probe any MQTT endpoint (mqtts host:port, wss URL, or plain for diagnosis),
 * report the chain exactly as sent, the negotiated parameters, client-certificate handling and the MQTT
 * answer, and explain every failure with a problem code and a fix.
 */
export { probe, DEFAULT_TIMEOUT_MS } from './probe.js';
export { opensslCommand, shellQuote, type OpensslCommandOptions } from './openssl-command.js';
export { parseTarget } from './target.js';
export { connackCode, connackMeaning } from './mqtt-packets.js';
export { systemTrust } from './probe-material.js';
export type * from './types.js';
export {
  applyBrokerVerdict,
  brokerEventsFor,
  brokerRefusalProblem,
  brokerSide,
  collectBrokerSide,
  isThisMachine,
  ownListener,
  probeTraces,
  type BrokerSide,
  type ProbeTraces,
} from './broker-side.js';
export { fixesFor, type BrokerCertfile, type FixInput, type InspectFix } from './fixes.js';
export {
  exportChainFile,
  reissueWithSan,
  workspaceBrokerCertfiles,
  writeBrokerChain,
  type FixOutcome,
  type WorkspaceBrokerCertfile,
} from './apply-fix.js';
