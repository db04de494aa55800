import { api } from '../../api/index.js';
import type { SessionSnapshot } from '../../../../src-main/core/client/session.js';

/** Workspace names quick start uses (kept in step with src-main/core/quickstart). */
export const ROOT_CA = 'root-ca';
export const DEVICES = ['device-1', 'device-2'] as const;
export type Device = (typeof DEVICES)[number];

export interface FlowStep {
  label: string;
  state: 'waiting' | 'running' | 'done' | 'failed';
  detail?: string;
}

/**
 * A client profile for a quick start device: MQTT 5 over mqtts to our broker, trusting our root, its own
 * certificate (MQTT 5 is what today's tools speak; a refusal comes back with its reason code and string).
 */
export function deviceProfile(device: Device, port: number): Record<string, unknown> {
  return {
    name: device,
    url: `mqtts://localhost:${port}`,
    protocol: '5.0',
    clientId: device,
    tls: {
      trust: { kind: 'workspace', ca: ROOT_CA },
      clientCert: { kind: 'workspace', name: device },
      verifyServer: true,
      savePassphrase: false,
    },
  };
}

/** Open (or reuse) a device's connection; device-1 subscribes to its own topics. */
export async function connectDevice(device: Device, port: number): Promise<SessionSnapshot> {
  const sessions = await api.call('client.sessions', {});
  const existing = sessions.find((s) => s.profile === device && s.state === 'connected');
  if (existing) return existing;
  await api.call('client.saveProfile', {
    profile: deviceProfile(device, port),
    ...(await profileExists(device)),
  });
  const session = await api.call('client.connect', { profile: device });
  if (session.state !== 'connected') {
    throw new Error(session.problem?.message ?? `${device} could not connect (${session.state})`);
  }
  if (device === 'device-1') {
    await api.call('client.subscribe', {
      id: session.id,
      filters: [{ filter: 'devices/device-1/#', qos: 1 }],
    });
  }
  return session;
}

async function profileExists(name: string): Promise<{ replacing?: string }> {
  const profiles = await api.call('client.profiles', {});
  return profiles.some((p) => p.name === name) ? { replacing: name } : {};
}

/** Start the workspace broker unless it already runs; returns its first listener's URL. */
export async function ensureBroker(): Promise<string> {
  let status = await api.call('broker.status', {});
  if (!status.running) status = await api.call('broker.start', {});
  return status.listeners[0]?.url ?? '';
}
