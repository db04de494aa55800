import { brokerMethods, type BrokerIssue, type BrokerStatus } from '../contract/broker.js';
import type { Handlers, ServiceContext } from './handler.js';
import { brokerBridgeHandlers, withInspectParams } from './broker-bridges.js';
import {
  loadConfFile,
  loadWorkspaceBrokerConf,
  startBroker,
  WORKSPACE_BROKER_CONF,
  type BrokerEvent,
  type RunningBroker,
} from '../../core/broker/index.js';
import { isTlsListener, type MosquittoConf } from '../../core/conf/index.js';
import { removeRunningRecord, writeRunningRecord } from '../../core/broker/running-record.js';
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
    'broker.status': () => status(),

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
        const started = await startBroker(loaded.conf, {
          baseDir: loaded.baseDir,
          onBridgeChange: (bridge) => ctx.emit('broker.bridge', withInspectParams(ctx.workspace, bridge)),
          onEvent: (event: BrokerEvent) => {
            ctx.emit('broker.event', event);
            if (event.kind === 'connected' || event.kind === 'disconnected') pushStatus();
          },
        });
        broker = started;
        lastBroker = started;
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

    'broker.events': (params) => {
      const events = (broker ?? lastBroker)?.events() ?? [];
      return params.since === undefined ? events : events.filter((e) => e.seq > params.since!);
    },
  };
}
