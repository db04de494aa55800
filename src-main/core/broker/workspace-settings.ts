import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
// the conf modules themselves, not conf/index.js: the barrel brings the validator and the ACL engine to every
// `pub` and `sub` start (workspace-broker-url.ts reads WORKSPACE_BROKER_CONF from here)
import { includeDirReader } from '../conf/include-dir.js';
import type { MosquittoConf } from '../conf/model.js';
import { parseMosquittoConf } from '../conf/parse.js';
import { UserError } from '../user-error.js';
import type { Workspace } from '../workspace/workspace.js';

/** The workspace broker's settings: a mosquitto.conf whose relative paths are relative to its folder. */
export const WORKSPACE_BROKER_CONF = 'broker/mosquitto.conf';

/** Read a conf file; its relative paths (and include_dir) resolve against the file's folder. */
export function loadConfFile(file: string): { conf: MosquittoConf; baseDir: string } {
  const full = resolve(file);
  if (!existsSync(full)) throw new UserError(`${full} does not exist`, 'NOT_FOUND', { file: full });
  const baseDir = dirname(full);
  const conf = parseMosquittoConf(readFileSync(full, 'utf8'), full, {
    readIncludeDir: includeDirReader(baseDir),
  });
  return { conf, baseDir };
}

/** The workspace's broker settings (made by quick start or the Broker view). */
export function loadWorkspaceBrokerConf(workspace: Workspace): {
  conf: MosquittoConf;
  baseDir: string;
  file: string;
} {
  const file = workspace.path(WORKSPACE_BROKER_CONF);
  if (!existsSync(file)) {
    throw new UserError(
      `the workspace ${workspace.dir} has no broker settings (${WORKSPACE_BROKER_CONF}): run "mqtt-tls-studio quickstart" or pass --config FILE`,
      'NO_BROKER_SETTINGS',
      { file },
    );
  }
  return { ...loadConfFile(file), file };
}
