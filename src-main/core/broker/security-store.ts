import { readFileSync } from 'node:fs';
import { parseAcl, type AclFile } from '../acl/index.js';
import {
  parsePasswordFile,
  parsePskFile,
  resolveConfPath,
  type PasswordFile,
  type PskFile,
  type SecuritySettings,
} from '../conf/index.js';

/**
 * The authentication and ACL data of one security scope (global, or one listener with
 * per_listener_settings), loaded from the files it names and reloadable when they change.
 */
export class SecurityScope {
  readonly allowAnonymous: boolean;
  readonly passwordPath?: string;
  readonly aclPath?: string;
  readonly pskPath?: string;
  passwords?: PasswordFile;
  psk?: PskFile;
  acl?: AclFile;
  /** Bumped on every ACL reload so cached decisions are dropped. */
  aclGeneration = 0;

  constructor(settings: SecuritySettings, baseDir: string) {
    this.allowAnonymous = settings.allowAnonymous ?? false;
    if (settings.passwordFile) this.passwordPath = resolveConfPath(baseDir, settings.passwordFile);
    if (settings.aclFile) this.aclPath = resolveConfPath(baseDir, settings.aclFile);
    if (settings.pskFile) this.pskPath = resolveConfPath(baseDir, settings.pskFile);
    this.loadPasswords();
    this.loadAcl();
    this.loadPsk();
  }

  /** Files this scope reads, with the loader to call when one changes. */
  files(): Array<{ path: string; what: string; reload: () => void }> {
    const out: Array<{ path: string; what: string; reload: () => void }> = [];
    if (this.passwordPath)
      out.push({ path: this.passwordPath, what: 'password file', reload: () => this.loadPasswords() });
    if (this.aclPath) out.push({ path: this.aclPath, what: 'ACL file', reload: () => this.loadAcl() });
    if (this.pskPath) out.push({ path: this.pskPath, what: 'PSK file', reload: () => this.loadPsk() });
    return out;
  }

  loadPasswords(): void {
    if (this.passwordPath) this.passwords = parsePasswordFile(readFileSync(this.passwordPath, 'utf8'));
  }

  loadAcl(): void {
    if (!this.aclPath) return;
    this.acl = parseAcl(readFileSync(this.aclPath, 'utf8'), this.aclPath);
    this.aclGeneration++;
  }

  loadPsk(): void {
    if (this.pskPath) this.psk = parsePskFile(readFileSync(this.pskPath, 'utf8'), this.pskPath);
  }
}
