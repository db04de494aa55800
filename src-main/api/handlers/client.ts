import { clientMethods, type WireLogPage, type WireMessage } from '../contract/client.js';
import type { Handlers, ServiceContext } from './handler.js';
import {
  ProfileStore,
  SessionManager,
  workspaceCertificates,
  type LogPage,
  type LoggedMessage,
  type WorkspaceCertificates,
  parseBrokerUrl,
} from '../../core/client/index.js';
import type { ListenerStatus } from '../../core/broker/index.js';
import { ownListener } from '../../core/inspect/index.js';
import { clientFileHandlers } from './client-files.js';

/** How long a lost connection waits for the app's broker to report itself stopped. */
const STOP_WAIT_MS = 500;

function toWire(message: LoggedMessage): WireMessage {
  return {
    id: message.id,
    time: message.time,
    topic: message.topic,
    payload: message.payload.toString('base64'),
    size: message.payload.length,
    qos: message.qos,
    retain: message.retain,
    dup: message.dup,
    ...(message.properties ? { properties: message.properties } : {}),
  };
}

function pageToWire(page: LogPage): WireLogPage {
  return { ...page, messages: page.messages.map(toWire) };
}

export function clientHandlers(ctx: ServiceContext): Handlers<typeof clientMethods> {
  // The workspace is re-read on every call: resolve certificates through it lazily.
  const certificates: WorkspaceCertificates = {
    identity: (name) => workspaceCertificates(ctx.workspace).identity(name),
    trustAnchors: (name) => workspaceCertificates(ctx.workspace).trustAnchors(name),
  };
  // Connections to the app's own broker (session id → its listener's URL), and the listeners last seen
  // running: when that broker stops, the connection's problem says so instead of a generic refusal.
  const ownSessions = new Map<string, string>();
  let lastListeners: ListenerStatus[] = [];
  const markOwn = async (id: string, url: string): Promise<void> => {
    try {
      const status = await ctx.call('broker.status', {});
      if (status.running) lastListeners = status.listeners;
      const { host, port } = parseBrokerUrl(url);
      const listener = await ownListener({ host, port }, lastListeners);
      if (listener) ownSessions.set(id, listener.url);
    } catch {
      // not knowing is fine: the generic explanation stays
    }
  };
  const stoppedOwnBroker = async (id: string): Promise<string | null> => {
    const url = ownSessions.get(id);
    if (!url) return null;
    // The broker closes its connections while it stops: give it a moment to say it stopped.
    for (let waited = 0; waited <= STOP_WAIT_MS; waited += 50) {
      if (!(await ctx.call('broker.status', {})).running) return url;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return null;
  };
  const manager = new SessionManager({ certificates, workspaceDir: ctx.workspace.dir, stoppedOwnBroker });
  manager.on('state', (snapshot) => ctx.emit('client.state', snapshot));
  manager.on('messages', (batch) =>
    ctx.emit('client.messages', {
      id: batch.sessionId,
      messages: batch.messages.map(toWire),
      skipped: batch.skipped,
    }),
  );
  manager.on('removed', ({ sessionId }) => {
    ownSessions.delete(sessionId);
    ctx.emit('client.removed', { id: sessionId });
  });
  ctx.onDispose(() => manager.closeAll());
  const profiles = () => new ProfileStore(ctx.workspace);
  const changed = () =>
    ctx.emit('client.profiles', {
      names: profiles()
        .list()
        .map((p) => p.name),
    });

  return {
    ...clientFileHandlers(ctx),
    'client.profiles': () => profiles().list(),
    'client.saveProfile': ({ profile, replacing }) => {
      const saved = profiles().save(profile, replacing);
      changed();
      return saved;
    },
    'client.deleteProfile': ({ name }) => {
      profiles().remove(name);
      changed();
      return { removed: name };
    },
    'client.connect': async ({ profile, password, passphrase, keyLogFile }) => {
      const input = typeof profile === 'string' ? profiles().get(profile) : profile;
      const session = await manager.openAsync(input, {
        ...(password !== undefined ? { password } : {}),
        ...(passphrase !== undefined ? { passphrase } : {}),
        ...(keyLogFile ? { keyLogFile } : {}),
      });
      await markOwn(session.id, session.profile.url);
      // A refused connection is a result (the session shows its problem), not an api error.
      await session.connect().catch(() => undefined);
      return session.snapshot();
    },
    'client.sessions': () => manager.list(),
    'client.reconnect': async ({ id }) => {
      const session = manager.get(id);
      await session.connect().catch(() => undefined);
      return session.snapshot();
    },
    'client.disconnect': async ({ id }) => {
      await manager.disconnect(id);
      return manager.get(id).snapshot();
    },
    'client.close': async ({ id }) => {
      await manager.remove(id);
      return { closed: id };
    },
    'client.subscribe': ({ id, filters }) => manager.subscribe(id, filters),
    'client.unsubscribe': async ({ id, filters }) => {
      await manager.unsubscribe(id, filters);
      return manager.get(id).snapshot();
    },
    'client.publish': ({ id, ...request }) => manager.publish(id, request),
    'client.messages': ({ id, ...query }) => {
      manager.flush();
      return pageToWire(manager.messages(id, query));
    },
    'client.clearLog': ({ id }) => {
      manager.clearLog(id);
      return manager.get(id).snapshot();
    },
    'client.setLogSize': ({ id, size }) => {
      manager.resizeLog(id, size);
      return manager.get(id).snapshot();
    },
    'client.history': ({ id }) => manager.history(id),
  };
}
