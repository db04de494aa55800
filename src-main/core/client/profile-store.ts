import { UserError, isUserError } from '../user-error.js';
import type { Workspace } from '../workspace/workspace.js';
import { holdsSecret, storableProfile, validateProfile, type ConnectionProfile } from './profile.js';

/** The workspace file holding connection profiles. */
export const PROFILES_FILE = 'profiles.json';
export const PROFILES_FORMAT = 1;

interface ProfilesFile {
  format: number;
  profiles: unknown[];
}

/**
 * Connection profiles in the workspace (`profiles.json`): `{ "format": 1, "profiles": [ … ] }`, one
 * object per profile in the shape of `ConnectionProfile`. Passwords and passphrases are written only
 * when the profile says so (`savePassword`, `tls.savePassphrase`); then the file is mode 0600.
 */
export class ProfileStore {
  constructor(private readonly workspace: Workspace) {}

  list(): ConnectionProfile[] {
    const file = this.workspace.readJson<ProfilesFile>(PROFILES_FILE, {
      format: PROFILES_FORMAT,
      profiles: [],
    });
    const where = this.workspace.path(PROFILES_FILE);
    if (!file || typeof file !== 'object' || !Array.isArray(file.profiles)) {
      throw new UserError(`${where}: expected { "format": 1, "profiles": [...] }`, 'BAD_WORKSPACE', {
        file: where,
      });
    }
    if (file.format !== PROFILES_FORMAT) {
      throw new UserError(
        `${where}: unknown format ${String(file.format)} (this version reads ${PROFILES_FORMAT})`,
        'BAD_WORKSPACE',
        {
          file: where,
        },
      );
    }
    return file.profiles.map((entry, index) => {
      try {
        return validateProfile(entry);
      } catch (error) {
        if (!isUserError(error)) throw error;
        throw new UserError(`${where}: profile #${index + 1}: ${error.message}`, 'BAD_WORKSPACE', {
          file: where,
          ...(error.location.field ? { field: error.location.field } : {}),
        });
      }
    });
  }

  get(name: string): ConnectionProfile {
    const found = this.list().find((p) => p.name === name);
    if (!found) {
      throw new UserError(`no connection profile named "${name}"`, 'NOT_FOUND', { field: 'name' });
    }
    return found;
  }

  /**
   * Save a profile (validated first). `replacing` names the profile it replaces (a rename); without it
   * a profile of the same name is replaced.
   */
  save(input: unknown, replacing?: string): ConnectionProfile {
    const profile = validateProfile(input);
    const all = this.list();
    const oldName = replacing ?? profile.name;
    if (replacing !== undefined && !all.some((p) => p.name === replacing)) {
      throw new UserError(`no connection profile named "${replacing}" to replace`, 'NOT_FOUND', {
        field: 'name',
      });
    }
    if (profile.name !== oldName && all.some((p) => p.name === profile.name)) {
      throw new UserError(
        `profile field "name": a profile named "${profile.name}" already exists`,
        'BAD_PROFILE',
        {
          field: 'name',
        },
      );
    }
    const index = all.findIndex((p) => p.name === oldName);
    const stored = storableProfile(profile);
    if (index >= 0) all[index] = stored;
    else all.push(stored);
    this.write(all.map(storableProfile));
    return stored;
  }

  remove(name: string): void {
    const all = this.list();
    if (!all.some((p) => p.name === name)) {
      throw new UserError(`no connection profile named "${name}"`, 'NOT_FOUND', { field: 'name' });
    }
    this.write(all.filter((p) => p.name !== name).map(storableProfile));
  }

  private write(profiles: ConnectionProfile[]): void {
    const data = JSON.stringify({ format: PROFILES_FORMAT, profiles }, null, 2) + '\n';
    this.workspace.commit([{ path: PROFILES_FILE, data, secret: profiles.some(holdsSecret) }]);
  }
}
