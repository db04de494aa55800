import { brokerMethods, type BrokerIssue, type BrokerStatus } from '../contract/broker.js';
import type { Handlers, ServiceContext } from './handler.js';
import { brokerBridgeHandlers, withInspectParams } from './broker-bridges.js';
import { brokerSettingsHandlers } from './broker-settings.js';
import {
  loadConfFile,
  loadWorkspaceBrokerConf,
  readLocalOptions,
  startBroker,
  writeLocalOptions,
  WORKSPACE_BROKER_CONF,
  type BrokerEvent,
  type RunningBroker,
} from '../../core/broker/index.js';
import { isTlsListener, type MosquittoConf } from '../../core/conf/index.js';
import { removeRunningRecord, writeRunningRecord } from '../../core/broker/running-record.js';
import { lanCertificateGaps, reissueForLan } from '../../core/broker/lan-certificate.js';
import { isUserError, messageOf, UserError } from '../../core/user-error.js';

/** Give the first TLS listener (or the first listener) another port: `broker --port N`. */
function overridePort(conf: MosquittoConf, port: number): void {
  const index = Math.max(
    0,
    conf.listeners.findIndex((l) => isTlsListener(l)),
  );
  const clash = conf.listeners.find((l, i) => i !== index && l.port === port);
  if (clash) {
    throw new UserError(
      `--port ${port}: another listener of the settings already uses port ${port}`,
      'BAD_PORT',
      {
        field: 'port',
      },
    );
  }
  conf.listeners[index].port = port;
}

export function brokerHandlers(ctx: ServiceContext): Handlers<typeof brokerMethods> {
  let broker: RunningBroker | undefined;
  let lastBroker: RunningBroker | undefined;
  let source: BrokerStatus['source'];
  let config: string | undefined;
  let startedAt: string | undefined;
  let lastError: BrokerStatus['lastError'];
  let statusTimer: NodeJS.Timeout | undefined;
  /** The conf the broker runs (for the settings view to say what a save changes for it). */
  let runningConf: MosquittoConf | undefined;

  /** A broken options file must not hide the status: the default then, and the error at start. */
  const reasonStringsSetting = (): boolean => {
    try {
      return readLocalOptions(ctx.workspace).reasonStrings;
    } catch {
      return true;
    }
  };

  const status = (): BrokerStatus => {
    const current = broker ?? lastBroker;
    const out: BrokerStatus = {
      running: Boolean(broker && !broker.stopped),
      listeners: broker ? broker.listeners : [],
      clients: broker ? broker.clients() : [],
      warnings: (current?.warnings ?? []).map((w) => {
        const issue: BrokerIssue = { text: w.text };
        if (w.file) issue.file = w.file;
        if (w.line !== undefined) issue.line = w.line;
        return issue;
      }),
      workspaceSettings: ctx.workspace.exists(WORKSPACE_BROKER_CONF),
      network: Boolean(broker && broker.listeners.some((l) => l.network)),
      reasonStrings: broker ? broker.reasonStrings : reasonStringsSetting(),
    };
    if (source) out.source = source;
    if (config) out.config = config;
    if (broker && startedAt) out.startedAt = startedAt;
    if (lastError) out.lastError = lastError;
    return out;
  };

  /** Clients come and go in bursts: push the status at most every 300 ms. */
  const pushStatus = () => {
    if (statusTimer) return;
    statusTimer = setTimeout(() => {
      statusTimer = undefined;
      ctx.emit('broker.status', status());
    }, 300);
    statusTimer.unref();
  };

  const stop = async () => {
    const running = broker;
    if (!running) return;
    broker = undefined;
    lastBroker = running;
    if (source === 'workspace') removeRunningRecord(ctx.workspace);
    await running.stop();
  };
  ctx.onDispose(async () => {
    clearTimeout(statusTimer);
    await stop();
  });

  return {
    ...brokerBridgeHandlers(ctx, () => broker),
    ...brokerSettingsHandlers(ctx, () => (broker && source === 'workspace' ? runningConf : undefined)),
    'broker.status': () => status(),

    'broker.lanCheck': () => {
      if (!ctx.workspace.exists(WORKSPACE_BROKER_CONF)) return [];
      const loaded = loadWorkspaceBrokerConf(ctx.workspace);
      return lanCertificateGaps(ctx.workspace, loaded.conf, loaded.baseDir);
    },

    'broker.start': async (params) => {
      if (broker) {
        throw new UserError(
          `the broker is already running (${broker.listeners.map((l) => l.url).join(', ')}): stop it first`,
          'BROKER_RUNNING',
        );
      }
      try {
        const loaded = params.config
          ? { ...loadConfFile(params.config), file: undefined }
          : loadWorkspaceBrokerConf(ctx.workspace);
        if (params.port !== undefined) overridePort(loaded.conf, params.port);
        if (params.lan && params.config) {
          throw new UserError(
            'lan: applies to the workspace broker; with a mosquitto.conf its own listener lines decide where it listens',
            'BAD_INPUT',
            { field: 'lan' },
          );
        }
        if (params.lan && params.reissue) {
          const gaps = lanCertificateGaps(ctx.workspace, loaded.conf, loaded.baseDir);
          reissueForLan(ctx.workspace, gaps);
          if (gaps.length > 0) ctx.emit('pki.changed', { names: gaps.map((g) => g.name) });
        }
        const started = await startBroker(loaded.conf, {
          baseDir: loaded.baseDir,
          onBridgeChange: (bridge) => ctx.emit('broker.bridge', withInspectParams(ctx.workspace, bridge)),
          // The workspace broker stays on this machine unless opened to the LAN; a conf decides itself.
          defaultBind: params.config || params.lan ? 'any' : 'loopback',
          reasonStrings: readLocalOptions(ctx.workspace).reasonStrings,
          onEvent: (event: BrokerEvent) => {
            ctx.emit('broker.event', event);
            if (event.kind === 'connected' || event.kind === 'disconnected') pushStatus();
          },
        });
        broker = started;
        lastBroker = started;
        runningConf = loaded.conf;
        source = params.config ? 'file' : 'workspace';
        config = loaded.conf.source?.file;
        startedAt = new Date().toISOString();
        lastError = undefined;
        if (source === 'workspace') {
          // Where it listens, for `pub`/`sub` in other processes; a read-only workspace only loses that.
          try {
            writeRunningRecord(
              ctx.workspace,
              started.listeners.map((l) => l.url),
            );
          } catch {
            // nothing else depends on the record
          }
        }
      } catch (error) {
        lastError = isUserError(error)
          ? { code: error.code, text: error.message, ...error.location }
          : { code: 'INTERNAL', text: messageOf(error) };
        ctx.emit('broker.status', status());
        throw error;
      }
      const result = status();
      ctx.emit('broker.status', result);
      return result;
    },

    'broker.stop': async () => {
      await stop();
      const result = status();
      ctx.emit('broker.status', result);
      return result;
    },

    'broker.options': () => readLocalOptions(ctx.workspace),

    'broker.setOptions': (params) => {
      const change: { reasonStrings?: boolean } = {};
      if (params.reasonStrings !== undefined) change.reasonStrings = params.reasonStrings;
      const options = writeLocalOptions(ctx.workspace, change);
      if (broker) broker.reasonStrings = options.reasonStrings;
      ctx.emit('broker.status', status());
      return options;
    },

    'broker.events': (params) => {
      const events = (broker ?? lastBroker)?.events() ?? [];
      return params.since === undefined ? events : events.filter((e) => e.seq > params.since!);
    },
  };
}
