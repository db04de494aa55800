/**
 * The local secure broker: aedes on tls/net/ws/wss listeners from a Mosquitto configuration, with
 * Mosquitto 2.0.11's authentication (mTLS identity or subject as username, password file, TLS-PSK,
 * anonymous), ACL enforcement (refused publishes dropped, deliveries read-checked), CRL checks, hot reload
 * of the files it uses, and a structured event log that says why anything was refused.
 */
export {
  startBroker,
  type StartBrokerOptions,
  type RunningBroker,
  type ConnectedClient,
} from './start-broker.js';
export type { ListenerStatus } from './listener-runtime.js';
export {
  formatBrokerEvent,
  type BrokerEvent,
  type BrokerEventKind,
  type TlsDetails,
  type ClientCertificateSummary,
  type AclRuleRef,
} from './events.js';
export { CONNACK_MEANING } from './refusal-reasons.js';
export { reasonCodeName, reasonCodeText, protocolName } from './reason-codes.js';
export {
  readLocalOptions,
  writeLocalOptions,
  BROKER_LOCAL_OPTIONS,
  type BrokerLocalOptions,
} from './local-options.js';
export { loadConfFile, loadWorkspaceBrokerConf, WORKSPACE_BROKER_CONF } from './workspace-settings.js';
export { includeDirReader } from '../conf/index.js';
export {
  planBrokerSettings,
  saveBrokerSettings,
  type SettingsChange,
  type SettingsFile,
  type SettingsIssue,
  type SettingsPlan,
  type PasswordChange,
  type PskChange,
} from './settings-plan.js';
export { readBrokerSettings, type BrokerSettingsView } from './settings-view.js';
export { describeSettingsReload, type SettingsReload } from './settings-reload.js';
export { listenerCommands, shellQuote, type ListenerCommands } from './listener-commands.js';
