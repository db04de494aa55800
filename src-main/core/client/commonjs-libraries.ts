/**
 * mqtt.js and ws, loaded with `require`. Both are CommonJS packages: an ES `import` of them makes Node scan
 * every file they re-export for named exports (cjs-module-lexer), which cost about 0.1 s of CPU at each
 * start of the command line (`pub`, `sub`) — a third of the `pub` round-trip target.
 */
import { createRequire } from 'node:module';
import type * as Mqtt from 'mqtt';
import type * as Ws from 'ws';

const require = createRequire(import.meta.url);
const mqtt = require('mqtt') as typeof Mqtt;

export const MqttClient = mqtt.MqttClient;
export type MqttClient = Mqtt.MqttClient;
export const connectMqtt = mqtt.connect;
/** ws, loaded on the first WebSocket connection only (it brings Node's http and https). */
export function wsLibrary(): typeof Ws {
  return require('ws') as typeof Ws;
}
