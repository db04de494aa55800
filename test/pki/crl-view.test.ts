/** #19 item 7: a CA's current CRL as the UI shows it, checked against openssl's reading of the same file. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApiService } from '../../src-main/api/service.js';
import type { CrlView } from '../../src-main/core/pki/index.js';
import { opensslOk } from '../helpers/openssl.js';
import { tempDir } from '../helpers/tmp.js';

describe('pki.showCrl', () => {
  it('number, updates and revoked entries with their names, as openssl reads them', async () => {
    const dir = join(tempDir('mts-crl-view-'), 'ws');
    const service = new ApiService({ workspaceDir: dir, surface: 'cli' });
    try {
      await service.invoke('pki.createCa', { name: 'root', cn: 'Root' });
      await service.invoke('pki.issue', { ca: 'root', profile: 'client', name: 'd1', cn: 'd1' });
      await service.invoke('pki.issue', { ca: 'root', profile: 'client', name: 'd2', cn: 'd2' });
      await service.invoke('pki.revoke', { name: 'd2', reason: 'superseded' });
      await service.invoke('pki.crl', { ca: 'root' });
      const view = (await service.invoke('pki.showCrl', { ca: 'root' })) as CrlView;
      expect(view.file).toBe('crl/root.crl');
      expect(view.revoked).toHaveLength(1);
      expect(view.revoked[0]).toMatchObject({ name: 'd2', reason: 'superseded' });
      expect(view.expired).toBe(false);
      const text = await opensslOk(['crl', '-in', join(dir, view.file), '-noout', '-text']);
      expect(text).toContain(`Serial Number: ${view.revoked[0]!.serial}`);
      expect(text).toMatch(new RegExp(`X509v3 CRL Number: \\s*\\n\\s*${view.number}\\b`));
      expect(text).toContain('Superseded');
      const next = /Next Update: (.+)/.exec(text)![1]!;
      expect(new Date(next).toISOString().slice(0, 16)).toBe(view.nextUpdate!.slice(0, 16));
    } finally {
      await service.dispose();
    }
  });
});
