import { existsSync, readFileSync } from 'node:fs';
import { includeDirReader } from '../conf/include-dir.js';
import { isTlsListener } from '../conf/model.js';
import { parseMosquittoConf } from '../conf/parse.js';
import { UserError } from '../user-error.js';
import type { Workspace } from '../workspace/workspace.js';
import { readRunningRecord } from './running-record.js';
import { WORKSPACE_BROKER_CONF } from './workspace-settings.js';

export interface WorkspaceBrokerTarget {
  url: string;
  /** How it was found, for --debug and errors. */
  from: string;
}

/** Where the workspace broker listens: the running broker's own record, else its settings. */
export function workspaceBrokerUrl(ws: Workspace): WorkspaceBrokerTarget {
  const running = readRunningRecord(ws);
  if (running && running.listeners.length > 0) {
    const rank = (url: string) => ['mqtts:', 'wss:', 'mqtt:', 'ws:'].indexOf(new URL(url).protocol);
    const best = [...running.listeners].sort((a, b) => rank(a) - rank(b))[0]!;
    return { url: best, from: `the workspace broker (process ${running.pid})` };
  }
  const file = ws.path(WORKSPACE_BROKER_CONF);
  if (!existsSync(file)) {
    throw new UserError(
      `no broker to talk to: give its URL, or make the workspace broker with \`mqtt-tls-studio quickstart\` (workspace ${ws.dir})`,
      'NO_BROKER',
    );
  }
  const conf = parseMosquittoConf(readFileSync(file, 'utf8'), file, {
    readIncludeDir: includeDirReader(ws.path('broker')),
  });
  const listener =
    conf.listeners.find((l) => isTlsListener(l) && l.protocol !== 'websockets') ?? conf.listeners[0];
  if (!listener)
    throw new UserError(`no broker to talk to: ${file} has no listener; give its URL`, 'NO_BROKER', { file });
  const secure = isTlsListener(listener);
  const scheme = listener.protocol === 'websockets' ? (secure ? 'wss' : 'ws') : secure ? 'mqtts' : 'mqtt';
  return { url: `${scheme}://localhost:${listener.port}`, from: `the workspace broker settings (${file})` };
}
