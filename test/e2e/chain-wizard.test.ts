/**
 * The chain wizard end to end (#19 item 3; browser mode, Debian's Chromium, 1100x700) on a workspace
 * quick start already filled: every default name is free (broker-2, device-3…), a bad field is refused
 * at Next with its message, typed hosts become dns:/ip: SANs, the chain is made in one step and
 * `openssl verify` accepts it; then a second chain starts from quick start's existing intermediate.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openApp, type OpenApp } from '../helpers/browser.js';
import { opensslOk } from '../helpers/openssl.js';
import { freePort } from '../helpers/ports.js';
import { tempDir } from '../helpers/tmp.js';

describe('Chain wizard', () => {
  let app: OpenApp;
  let ws: string;
  beforeAll(async () => {
    ws = join(tempDir('chain-wizard-e2e-'), 'ws');
    app = await openApp(ws, { width: 1100, height: 700 });
    await app.service.invoke('quickstart.run', { port: await freePort() });
    await app.gotoView('certificates');
  });
  afterAll(async () => app?.close());

  const wizard = () => app.page.locator('[data-testid="chain-wizard"]');
  const currentStep = () => wizard().locator('.steps li[aria-current="step"]').textContent();
  /** Next, then wait for the wizard to move on (it checks the plan with the core first). */
  const next = async () => {
    const before = await currentStep();
    await wizard().getByRole('button', { name: 'Next' }).click();
    await expect.poll(currentStep).not.toBe(before);
  };
  /** Next, which must be refused: the step's problems show and the step stays. */
  const nextRefused = async () => {
    const before = await currentStep();
    await wizard().getByRole('button', { name: 'Next' }).click();
    await wizard().locator('[data-testid="wizard-step-problems"]').waitFor();
    expect(await currentStep()).toBe(before);
  };
  const dark = async (on: boolean) =>
    app.page.evaluate((d) => (document.documentElement.dataset.theme = d ? 'dark' : 'light'), on);

  /** openssl verify of workspace certificate `name` with `root` trusted and `intermediate` untrusted. */
  async function verify(root: string, intermediate: string, name: string, extra: string[]) {
    const untrusted = join(ws, '..', `${intermediate}.pem`);
    writeFileSync(untrusted, readFileSync(join(ws, 'certs', `${intermediate}.crt`)));
    return opensslOk([
      'verify',
      '-CAfile',
      join(ws, 'certs', `${root}.crt`),
      '-untrusted',
      untrusted,
      ...extra,
      join(ws, 'certs', `${name}.crt`),
    ]);
  }

  test('free defaults, a bad field refused with its message, inferred SANs, one-step create, openssl verify', async () => {
    const page = app.page;
    await page.getByRole('button', { name: 'Chain wizard…' }).click();
    const w = wizard();
    const rootName = w.getByLabel('Name', { exact: true });
    await expect.poll(() => rootName.inputValue()).toBe('root');

    // A name quick start already took: Next refuses, naming the field, and stays on the step.
    await rootName.fill('root-ca');
    await nextRefused();
    const problems = w.locator('[data-testid="wizard-step-problems"]');
    await problems.waitFor();
    expect(await problems.textContent()).toContain(
      'Root CA name: a certificate named "root-ca" already exists in the workspace',
    );
    expect(await currentStep()).toContain('Start');
    expect(await rootName.getAttribute('aria-invalid')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-invalid'))).toBe('true');
    await app.screenshot('chain-wizard-refused-1100x700');
    await dark(true);
    await app.screenshot('chain-wizard-refused-1100x700-dark');
    await dark(false);
    await rootName.fill('root');
    await w.locator('.field-error').waitFor({ state: 'detached' });
    await next();
    expect(await currentStep()).toContain('Intermediate');
    await next();

    // Server: the default name is free (quick start has "broker"); hosts typed bare become dns:/ip:.
    expect(await currentStep()).toContain('Server');
    expect(await w.getByLabel('Name', { exact: true }).inputValue()).toBe('broker-2');
    const hosts = w.getByLabel('Host names and IPs clients connect to');
    await hosts.fill('broker.lan, :');
    await w.getByText('Host names and IP addresses: ":" is neither a host name nor an IP address').waitFor();
    await nextRefused();
    expect(await currentStep()).toContain('Server');
    expect(await problems.textContent()).toContain(
      'Host names and IP addresses: ":" is neither a host name nor an IP address (write dns:NAME or ip:ADDRESS)',
    );
    await hosts.fill('broker.lan, 192.168.1.50');
    await w.getByRole('button', { name: 'Add localhost' }).click();
    expect(await hosts.inputValue()).toBe('broker.lan, 192.168.1.50, localhost');
    const sans = w.locator('[data-testid="wizard-sans"]');
    await expect
      .poll(async () => (await sans.locator('code').allTextContents()).join(' '))
      .toBe('dns:broker.lan ip:192.168.1.50 dns:localhost');
    await app.screenshot('chain-wizard-server-1100x700');
    await dark(true);
    await app.screenshot('chain-wizard-server-1100x700-dark');
    await dark(false);
    await next();

    // Clients: quick start's device-1 and device-2 are taken, so the defaults are device-3 and device-4.
    expect(await w.getByLabel('Device ids (one per line, or a pasted CSV)').inputValue()).toBe(
      'device-3\ndevice-4\n',
    );
    await w.getByText('2 client certificates').waitFor();
    await next();
    const plan = w.locator('[data-testid="wizard-plan"]');
    await expect
      .poll(() => plan.textContent())
      .toContain('Server "broker-2" (dns:broker.lan, ip:192.168.1.50, dns:localhost) from issuing');
    // A create that fails at the last file writes nothing; the wizard stays open to retry.
    const stray = join(ws, 'certs', 'device-4.crt');
    mkdirSync(stray);
    const namesBefore = (await app.service.invoke('pki.list', {})) as Array<{ name: string }>;
    await w.getByRole('button', { name: 'Create chain' }).click();
    const failed = w.locator('[data-testid="wizard-create-error"]');
    await failed.waitFor({ timeout: 30_000 });
    expect(await failed.textContent()).toMatch(
      /certs\/device-4\.crt: already exists although the workspace index does not name it; move it away and try again \(nothing was written\)$/,
    );
    expect(await app.service.invoke('pki.list', {})).toEqual(namesBefore);
    expect(existsSync(join(ws, 'certs', 'root.crt'))).toBe(false);
    await app.screenshot('chain-wizard-create-failed-1100x700');
    rmdirSync(stray);
    await w.getByRole('button', { name: 'Create chain' }).click();
    const result = w.locator('[data-testid="wizard-result"] li');
    await w.getByRole('button', { name: 'Done' }).waitFor({ timeout: 30_000 });
    expect((await result.allTextContents()).map((t) => t.trim().split(' ')[1])).toEqual([
      'root',
      'issuing',
      'broker-2',
      'device-3',
      'device-4',
    ]);
    await app.screenshot('chain-wizard-created-1100x700');
    await dark(true);
    await app.screenshot('chain-wizard-created-1100x700-dark');
    await dark(false);
    await w.getByRole('button', { name: 'Done' }).click();

    for (const check of [
      ['-verify_hostname', 'broker.lan'],
      ['-verify_ip', '192.168.1.50'],
    ])
      expect(await verify('root', 'issuing', 'broker-2', ['-purpose', 'sslserver', ...check])).toContain(
        ': OK',
      );
    expect(await verify('root', 'issuing', 'device-3', ['-purpose', 'sslclient'])).toContain(': OK');
    expect(app.pageErrors).toEqual([]);
  });

  test('use an existing CA: clients straight from quick start’s intermediate', async () => {
    const page = app.page;
    await page.getByRole('button', { name: 'Chain wizard…' }).click();
    const w = wizard();
    await w.getByLabel('Use an existing CA').check();
    await w.getByLabel('Existing CA (issues what follows)').selectOption('intermediate-ca');
    await app.screenshot('chain-wizard-existing-1100x700');
    await next();
    // Path length 0: no intermediate can go under it, so the box is off and disabled.
    const box = w.getByLabel('Issue leaves from a new intermediate CA (recommended)');
    expect(await box.isChecked()).toBe(false);
    expect(await box.isDisabled()).toBe(true);
    await next();
    await w.getByLabel('Issue a server certificate for the broker').uncheck();
    await next();
    expect(await w.getByLabel('Device ids (one per line, or a pasted CSV)').inputValue()).toBe(
      'device-5\ndevice-6\n',
    );
    await next();
    await w.getByRole('button', { name: 'Create chain' }).click();
    await w.getByRole('button', { name: 'Done' }).waitFor({ timeout: 30_000 });
    expect(await w.locator('[data-testid="wizard-result"]').textContent()).toContain('from intermediate-ca');
    await w.getByRole('button', { name: 'Done' }).click();
    expect(await verify('root-ca', 'intermediate-ca', 'device-5', ['-purpose', 'sslclient'])).toContain(
      ': OK',
    );
    expect(app.pageErrors).toEqual([]);
  });
});
