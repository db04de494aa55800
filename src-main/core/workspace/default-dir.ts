import { homedir } from 'node:os';
import { join } from 'node:path';

export const WORKSPACE_ENV = 'MQTT_TLS_STUDIO_WORKSPACE';

/** The user's config directory, as Electron's app.getPath('appData') would give it. */
export function configHome(): string {
  if (process.platform === 'win32') return process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support');
  return process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config');
}

/** `--workspace DIR`, else $MQTT_TLS_STUDIO_WORKSPACE, else the desktop app's default workspace. */
export function resolveWorkspaceDir(explicit?: string): string {
  if (explicit) return explicit;
  const fromEnv = process.env[WORKSPACE_ENV];
  if (fromEnv) return fromEnv;
  return join(configHome(), 'mqtt-tls-studio', 'workspace');
}
