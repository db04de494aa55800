import { clientMethods, type WireLogPage, type WireMessage } from '../contract/client.js';
import type { Handlers, ServiceContext } from './handler.js';
import {
  ProfileStore,
  SessionManager,
  workspaceCertificates,
  type LogPage,
  type LoggedMessage,
  type WorkspaceCertificates,
} from '../../core/client/index.js';

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
  const manager = new SessionManager({ certificates, workspaceDir: ctx.workspace.dir });
  manager.on('state', (snapshot) => ctx.emit('client.state', snapshot));
  manager.on('messages', (batch) =>
    ctx.emit('client.messages', {
      id: batch.sessionId,
      messages: batch.messages.map(toWire),
      skipped: batch.skipped,
    }),
  );
  manager.on('removed', ({ sessionId }) => ctx.emit('client.removed', { id: sessionId }));
  ctx.onDispose(() => manager.closeAll());
  const profiles = () => new ProfileStore(ctx.workspace);
  const changed = () =>
    ctx.emit('client.profiles', {
      names: profiles()
        .list()
        .map((p) => p.name),
    });

  return {
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
      const session = manager.open(input, {
        ...(password !== undefined ? { password } : {}),
        ...(passphrase !== undefined ? { passphrase } : {}),
        ...(keyLogFile ? { keyLogFile } : {}),
      });
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
