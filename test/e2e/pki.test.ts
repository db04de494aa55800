/**
 * The Certificates view end to end (browser mode, Debian's Chromium): the chain wizard builds root →
 * intermediate → server → clients, the tree and the detail pane show every field, revoke and batch
 * issue work from their dialogs, import takes a dropped-in file, and the expiry timeline colours.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openApp, type OpenApp } from '../helpers/browser.js';
import { tempDir } from '../helpers/tmp.js';
import { run } from '../helpers/run.js';
import { NEW_EC_KEY, opensslSelfSigned } from '../helpers/openssl.js';

describe('Certificates view', () => {
  let app: OpenApp;
  let dir: string;
  beforeAll(async () => {
    dir = tempDir('pki-e2e-');
    app = await openApp(join(dir, 'ws'), { width: 1440, height: 1100 });
    await app.gotoView('certificates');
    await app.page.getByRole('button', { name: 'Start the chain wizard' }).waitFor();
  });
  afterAll(async () => app?.close());

  test('the chain wizard builds root → intermediate → server → clients with sensible defaults', async () => {
    const page = app.page;
    await page.getByRole('button', { name: 'Start the chain wizard' }).click();
    const wizard = page.locator('[data-testid="chain-wizard"]');
    await expect.poll(() => wizard.getByLabel('Common name').inputValue()).toBe('Local Root CA');
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard
      .getByLabel('Host names and IPs clients connect to')
      .fill('dns:localhost, dns:broker.local, ip:127.0.0.1');
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard
      .getByLabel('Device ids (one per line, or a pasted CSV)')
      .fill('device_id,site\nsensor-1,hall\nsensor-2,roof\nsensor-3,yard\n');
    await wizard.getByText('3 client certificates').waitFor();
    await wizard.getByRole('button', { name: 'Next' }).click();
    const plan = await wizard.locator('[data-testid="wizard-plan"]').textContent();
    expect(plan).toContain('Root CA "root" (Local Root CA, EC P-256)');
    expect(plan).toContain('3 client certificate(s) from issuing: sensor-1, sensor-2, sensor-3');
    await app.screenshot('certificates-wizard');
    await wizard.getByRole('button', { name: 'Create chain' }).click();
    await wizard.getByRole('button', { name: 'Done' }).waitFor({ timeout: 30_000 });
    expect(await wizard.locator('[data-testid="wizard-result"] li').count()).toBe(6);
    await wizard.getByRole('button', { name: 'Done' }).click();
    const list = await app.service.invoke('pki.list', {});
    expect((list as Array<{ name: string }>).map((c) => c.name)).toEqual([
      'root',
      'issuing',
      'broker',
      'sensor-1',
      'sensor-2',
      'sensor-3',
    ]);
  });

  test('the tree shows the hierarchy; the detail pane decodes every field and the checks', async () => {
    const page = app.page;
    const tree = page.locator('[data-testid="cert-tree"]');
    await tree.locator('[data-name="broker"]').click();
    const levels = await tree
      .locator('[role="treeitem"]')
      .evaluateAll((items) =>
        items.map((i) => `${i.getAttribute('data-name')}:${i.getAttribute('aria-level')}`),
      );
    expect(levels).toEqual(['root:1', 'issuing:2', 'broker:3', 'sensor-1:3', 'sensor-2:3', 'sensor-3:3']);
    const fields = page.locator('[data-testid="cert-fields"]');
    await fields.getByText('CN=localhost').waitFor();
    const text = (await fields.textContent()) ?? '';
    for (const expected of [
      'CN=localhost',
      'CN=Local Issuing CA',
      'broker → issuing → root',
      'serverAuth',
      'dns:localhost, dns:broker.local, ip:127.0.0.1',
      'digitalSignature (critical)',
      'CA:FALSE',
      'ecdsa-with-SHA256',
      'SHA-256',
      'Authority key id',
    ]) {
      expect(text).toContain(expected);
    }
    const checks = (await page.locator('[data-testid="cert-verify"]').textContent()) ?? '';
    expect(checks).toContain('CN=localhost → CN=Local Issuing CA → CN=Local Root CA (trusted)');
    expect(await page.locator('[data-testid="cert-lint"]').textContent()).toContain('No MQTT pitfalls found');
    // Keyboard: arrow down moves the selection in the tree.
    await tree.locator('[data-name="broker"]').focus();
    await page.keyboard.press('ArrowDown');
    await fields.getByText('CN=sensor-1').waitFor();
    await tree.locator('[data-name="broker"]').click();
    await fields.getByText('CN=localhost').waitFor();
    await app.screenshot('certificates-detail');
    expect(app.pageErrors).toEqual([]);
  });

  test('revoke from the detail pane; the CRL and the checks follow', async () => {
    const page = app.page;
    await page.locator('[data-testid="cert-tree"] [data-name="sensor-2"]').click();
    await page.locator('[data-testid="cert-fields"]').getByText('CN=sensor-2').waitFor();
    await page.getByRole('button', { name: 'Revoke…' }).click();
    const dialog = page.locator('[data-testid="revoke-dialog"]');
    await dialog.getByLabel('Reason').selectOption('keyCompromise');
    await dialog.getByRole('button', { name: 'Revoke' }).click();
    await page.locator('[data-testid="cert-status"]', { hasText: 'revoked' }).waitFor();
    expect(await page.locator('[data-testid="cert-detail"]').textContent()).toContain('REVOKED');
    const crl = readFileSync(join(dir, 'ws', 'crl', 'issuing.crl'), 'utf8');
    writeFileSync(join(dir, 'issuing.crl'), crl);
    const text = await run('openssl', ['crl', '-in', join(dir, 'issuing.crl'), '-noout', '-text']);
    expect(text.stdout).toContain('Key Compromise');
  });

  test('batch issue from a pasted list, and import of a dropped-in file', async () => {
    const page = app.page;
    await page.locator('[data-testid="cert-tree"] [data-name="issuing"]').click();
    await page.locator('[data-testid="cert-fields"]').getByText('CN=Local Issuing CA').first().waitFor();
    await page.getByRole('button', { name: 'Issue…' }).first().click();
    const dialog = page.locator('[data-testid="issue-dialog"]');
    await dialog.getByLabel('Many devices (list or CSV)').check();
    await dialog
      .getByLabel('Device ids — one per line, or paste a CSV (first column)')
      .fill('pump-1\npump-2\n');
    await dialog.getByRole('button', { name: 'Issue 2' }).click();
    await page.locator('[data-testid="cert-tree"] [data-name="pump-2"]').waitFor();
    // Import: a file dropped on the view opens the import dialog with it.
    await opensslSelfSigned(
      '/CN=legacy-gw',
      { key: join(dir, 'legacy.key'), cert: join(dir, 'legacy.crt') },
      10,
      ['-addext', 'basicConstraints=critical,CA:FALSE'],
    );
    const pem = readFileSync(join(dir, 'legacy.crt'), 'utf8');
    const transfer = await page.evaluateHandle((text) => {
      const dt = new DataTransfer();
      dt.items.add(new File([text], 'legacy.crt', { type: 'application/x-x509-ca-cert' }));
      return dt;
    }, pem);
    await page.dispatchEvent('.certificates', 'dragover', { dataTransfer: transfer });
    await page.dispatchEvent('.certificates', 'drop', { dataTransfer: transfer });
    const importDialog = page.locator('[data-testid="import-dialog"]');
    expect(await importDialog.getByLabel('Name in the workspace').inputValue()).toBe('legacy');
    await importDialog.getByRole('button', { name: 'Import' }).click();
    await page.locator('[data-testid="cert-tree"] [data-name="legacy"]').waitFor();
    // The self-signed, 10-day import: red lint badge, amber on the timeline.
    await page.locator('[data-testid="cert-tree"] [data-name="legacy"]').click();
    expect(await page.locator('[data-testid="cert-lint"]').textContent()).toContain('self-signed leaf');
    expect(await page.locator('[data-testid="cert-timeline"] g.expiring').count()).toBe(1);
    expect(await page.locator('[data-testid="cert-timeline"] g.revoked').count()).toBe(1);
    await page.locator('[data-testid="cert-timeline"]').scrollIntoViewIfNeeded();
    await app.screenshot('certificates-timeline');
    expect(app.pageErrors).toEqual([]);
  });

  test('import of a PKCS#12 bundle (file input) brings its CA chain into the tree', async () => {
    const page = app.page;
    // root → issuing → gateway by openssl, packed with -certfile (intermediate and root) into a .p12.
    const subjects: Array<[string, string, string[], string?]> = [
      ['corp-root', '/O=Corp/CN=Corp Root CA', ['keyUsage=critical,keyCertSign,cRLSign']],
      [
        'corp-int',
        '/O=Corp/CN=Corp Issuing CA',
        ['basicConstraints=critical,CA:TRUE,pathlen:0', 'keyUsage=critical,keyCertSign,cRLSign'],
        'corp-root',
      ],
      [
        'gateway',
        '/CN=gateway.corp.test',
        [
          'basicConstraints=critical,CA:FALSE',
          'extendedKeyUsage=serverAuth',
          'subjectAltName=DNS:gateway.corp.test',
        ],
        'corp-int',
      ],
    ];
    for (const [name, subject, exts, ca] of subjects) {
      const made = await run('openssl', [
        ...['req', '-x509', ...NEW_EC_KEY],
        ...['-keyout', join(dir, `${name}.key`), '-subj', subject, '-days', '90'],
        ...(ca ? ['-CA', join(dir, `${ca}.crt`), '-CAkey', join(dir, `${ca}.key`)] : []),
        ...exts.flatMap((ext) => ['-addext', ext]),
        ...['-out', join(dir, `${name}.crt`)],
      ]);
      expect(made.code, made.stderr).toBe(0);
    }
    writeFileSync(
      join(dir, 'corp-cas.crt'),
      readFileSync(join(dir, 'corp-int.crt'), 'utf8') + readFileSync(join(dir, 'corp-root.crt'), 'utf8'),
    );
    const packed = await run('openssl', [
      ...['pkcs12', '-export', '-in', join(dir, 'gateway.crt'), '-inkey', join(dir, 'gateway.key')],
      ...['-certfile', join(dir, 'corp-cas.crt'), '-passout', 'pass:corp', '-out', join(dir, 'gateway.p12')],
    ]);
    expect(packed.code, packed.stderr).toBe(0);

    await page.getByRole('button', { name: 'Import…' }).click();
    const dialog = page.locator('[data-testid="import-dialog"]');
    await dialog.getByLabel(/^Certificate:/).setInputFiles(join(dir, 'gateway.p12'));
    expect(await dialog.getByLabel('Name in the workspace').inputValue()).toBe('gateway');
    await dialog.getByLabel('Passphrase (PKCS#12)').fill('corp');
    await dialog.getByRole('button', { name: 'Import' }).click();
    const tree = page.locator('[data-testid="cert-tree"]');
    await tree.locator('[data-name="Corp-Root-CA"]').waitFor();
    const levels = await tree
      .locator('[role="treeitem"]')
      .evaluateAll((items) =>
        items.map((i) => `${i.getAttribute('data-name')}:${i.getAttribute('aria-level')}`),
      );
    const at = levels.indexOf('Corp-Root-CA:1');
    expect(at).toBeGreaterThanOrEqual(0);
    expect(levels.slice(at, at + 3)).toEqual(['Corp-Root-CA:1', 'Corp-Issuing-CA:2', 'gateway:3']);
    // The leaf is selected; its detail pane shows the chain the bundle brought.
    const fields = page.locator('[data-testid="cert-fields"]');
    await fields.getByText('CN=gateway.corp.test').first().waitFor();
    expect(await fields.textContent()).toContain('gateway → Corp-Issuing-CA → Corp-Root-CA');
    expect(await page.locator('[data-testid="cert-verify"]').textContent()).toContain(
      'CN=gateway.corp.test → CN=Corp Issuing CA,O=Corp → CN=Corp Root CA,O=Corp (trusted)',
    );
    // The imported CAs have no key, so no CRL: revocation is not checked (said so), the chain is fine.
    expect(await page.locator('[data-testid="cert-revocation-note"]').textContent()).toContain(
      'no CRL of “Corp-Issuing-CA”',
    );
    expect(await page.locator('[data-testid="cert-detail"] .error-box').count()).toBe(0);
    // Its CA has no key, so no CRL can revoke it here: no Revoke button (export still there).
    expect(await page.getByRole('button', { name: 'Revoke…' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Export…' }).waitFor();
    const list = (await app.service.invoke('pki.list', {})) as Array<{
      name: string;
      kind: string;
      hasKey: boolean;
    }>;
    expect(
      list
        .filter((c) => c.name.startsWith('Corp-') || c.name === 'gateway')
        .map((c) => `${c.name}:${c.kind}:${c.hasKey}`),
    ).toEqual([
      'gateway:imported:true',
      'Corp-Issuing-CA:intermediate-ca:false',
      'Corp-Root-CA:root-ca:false',
    ]);
    await tree.locator('[data-name="Corp-Root-CA"]').scrollIntoViewIfNeeded();
    await app.screenshot('certificates-bundle-import');
    expect(app.pageErrors).toEqual([]);
  });
});
