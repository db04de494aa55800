/**
 * mqtt.js and ws, loaded with `require`, each on first use. Both are CommonJS packages: an ES `import` of
 * them makes Node scan every file they re-export for named exports (cjs-module-lexer), which cost about
 * 0.1 s of CPU at each start of the command line (`pub`, `sub`) — a third of the `pub` round-trip target.
 * Loaded on first use, so a process that never opens an MQTT client (the broker without bridges) nor a
 * WebSocket does not hold them (mqtt.js ~4 MB, ws ~3–7 MB of memory).
 */
import { createRequire } from 'node:module';
import type * as Mqtt from 'mqtt';
import type * as Ws from 'ws';

const require = createRequire(import.meta.url);
let mqtt: typeof Mqtt | undefined;

export type MqttClient = Mqtt.MqttClient;
/** mqtt.js, loaded by the first MQTT client (a client session, a bridge). */
export function mqttLibrary(): typeof Mqtt {
  return (mqtt ??= require('mqtt') as typeof Mqtt);
}
/** ws, loaded on the first WebSocket connection or websockets listener only (it brings Node's http and https). */
export function wsLibrary(): typeof Ws {
  return require('ws') as typeof Ws;
}
