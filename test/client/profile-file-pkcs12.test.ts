/**
 * A file picked as the profile's PKCS#12 must be a PFX structure: a DER certificate (an ASN.1 SEQUENCE
 * too) is refused when picked, naming the file and field, not at connect.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { storeProfileFile } from '../../src-main/core/client/profile-files.js';
import { Workspace } from '../../src-main/core/workspace/workspace.js';
import { opensslOk } from '../helpers/openssl.js';
import { tempDir } from '../helpers/tmp.js';

describe('a picked PKCS#12 file', () => {
  const dir = tempDir('client-p12-pick-');
  const f = (name: string) => join(dir, name);
  const ws = new Workspace(join(dir, 'ws'));

  beforeAll(async () => {
    await opensslOk([
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('c.key'),
      '-subj', '/CN=c', '-days', '3', '-outform', 'DER', '-out', f('c.der'),
    ]); // prettier-ignore
    await opensslOk([
      'pkcs12', '-export', '-in', f('c.der'), '-inkey', f('c.key'), '-passout', 'pass:pw', '-out', f('c.p12'),
    ]); // prettier-ignore
  }, 30_000);

  it('is stored when it is one (0600), refused when it is a DER certificate', () => {
    const stored = storeProfileFile(ws, { name: 'c.p12', role: 'p12', data: readFileSync(f('c.p12')) });
    expect(stored.role).toBe('p12');
    expect(statSync(stored.path).mode & 0o777).toBe(0o600);
    let error: unknown;
    try {
      storeProfileFile(ws, { name: 'c.der', role: 'p12', data: readFileSync(f('c.der')) });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({
      code: 'BAD_PROFILE_FILE',
      location: { file: 'c.der', field: 'tls.clientCert.path' },
    });
    expect((error as Error).message).toMatch(/^c\.der: .*not a PKCS#12/);
  });
});
