import { brokerSettingsMethods } from '../contract/broker-settings.js';
import type { Handlers, ServiceContext } from './handler.js';
import {
  describeSettingsReload,
  planBrokerSettings,
  readBrokerSettings,
  saveBrokerSettings,
  type SettingsChange,
} from '../../core/broker/index.js';
import { parseMosquittoConf, type BrokerSettingsForm, type MosquittoConf } from '../../core/conf/index.js';
import type { z } from 'zod';

type ChangeParams = z.output<(typeof brokerSettingsMethods)['broker.saveSettings']['params']>;

/** The params as the core takes them: a port typed as digits becomes a number (anything else is named by the field check). */
function toChange(params: ChangeParams): SettingsChange {
  const change = { ...params } as unknown as SettingsChange;
  if (params.form) {
    change.form = {
      ...params.form,
      listeners: params.form.listeners.map((l) => ({
        ...l,
        port: typeof l.port === 'string' && /^\d{1,5}$/.test(l.port.trim()) ? Number(l.port.trim()) : l.port,
      })),
    } as unknown as BrokerSettingsForm;
  }
  return change;
}

/**
 * `runningConf` gives the conf the workspace broker runs now (undefined when stopped or running a
 * --config file), to say what a save changes for it.
 */
export function brokerSettingsHandlers(
  ctx: ServiceContext,
  runningConf: () => MosquittoConf | undefined,
): Handlers<typeof brokerSettingsMethods> {
  return {
    'broker.settings': () => readBrokerSettings(ctx.workspace),

    'broker.validateSettings': (params) => {
      const plan = planBrokerSettings(ctx.workspace, toChange(params));
      const out = { text: plan.text, issues: plan.issues, ok: !plan.issues.some((i) => i.level === 'error') };
      return plan.form ? { ...out, form: plan.form } : out;
    },

    'broker.saveSettings': (params) => {
      const plan = saveBrokerSettings(ctx.workspace, toChange(params));
      const written = plan.changes.map((c) => c.path);
      const running = runningConf();
      ctx.emit('broker.settingsChanged', { written });
      const settings = readBrokerSettings(ctx.workspace);
      if (!running) return { settings, written };
      const saved = parseMosquittoConf(plan.text);
      return { settings, written, reload: describeSettingsReload(running, saved, written) };
    },
  };
}
