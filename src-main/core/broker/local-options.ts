import { UserError } from '../user-error.js';
import type { Workspace } from '../workspace/workspace.js';

/**
 * What the local broker does that Mosquitto has no option for, kept beside the workspace's mosquitto.conf
 * (never in it, so `mosquitto -c` and `export mosquitto` never see it).
 */
export interface BrokerLocalOptions {
  /** Send our plain-words refusal reasons to MQTT 5 clients as the Reason String (default true). */
  reasonStrings: boolean;
}

export const BROKER_LOCAL_OPTIONS = 'broker/local-options.json';

const DEFAULTS: BrokerLocalOptions = { reasonStrings: true };

/** The workspace's local broker options; a missing file means the defaults. */
export function readLocalOptions(workspace: Workspace): BrokerLocalOptions {
  const file = workspace.path(BROKER_LOCAL_OPTIONS);
  const raw = workspace.readJson<unknown>(BROKER_LOCAL_OPTIONS, {});
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new UserError(`${file}: expected a JSON object`, 'BAD_WORKSPACE', { file });
  }
  const options = { ...DEFAULTS };
  const value = (raw as Record<string, unknown>).reasonStrings;
  if (value !== undefined) {
    if (typeof value !== 'boolean') {
      throw new UserError(`${file}: reasonStrings must be true or false`, 'BAD_WORKSPACE', {
        file,
        field: 'reasonStrings',
      });
    }
    options.reasonStrings = value;
  }
  return options;
}

/** Change some options (atomically); returns all of them as saved. */
export function writeLocalOptions(
  workspace: Workspace,
  change: Partial<BrokerLocalOptions>,
): BrokerLocalOptions {
  const options = { ...readLocalOptions(workspace), ...change };
  workspace.commit([workspace.jsonChange(BROKER_LOCAL_OPTIONS, options)]);
  return options;
}
