/**
 * The built-in MQTT client: connection profiles saved in the workspace, several mqtt.js sessions at
 * once with explained failures, bounded message logs and publish history. Plain Node; keys stay here.
 */
export * from './profile.js';
export * from './profile-store.js';
export * from './payload.js';
export * from './topic.js';
export * from './reason-codes.js';
export * from './connection-problem.js';
export * from './tls-options.js';
export * from './message-log.js';
export * from './publish-history.js';
export * from './session.js';
export * from './session-manager.js';
export * from './workspace-certificates.js';
