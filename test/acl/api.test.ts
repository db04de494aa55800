/** The acl api methods through the service (no transport): workspace ACL, analysis, check, matrix. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ApiService } from '../../src-main/api/service.js';
import type { MethodName, ParamsOf, ResultOf } from '../../src-main/api/contract/index.js';
import { tempDir } from '../helpers/tmp.js';
import { Workspace } from '../../src-main/core/workspace/workspace.js';
import { createCa } from '../../src-main/core/pki/ca.js';
import { issueCertificate } from '../../src-main/core/pki/issue.js';

const TEXT =
  'topic read public/#\nuser device-1\ntopic readwrite devices/device-1/#\npattern read status/%c\n';

describe('acl api', () => {
  const workspaceDir = join(tempDir('acl-api-'), 'ws');
  const raw = new ApiService({ workspaceDir, surface: 'cli' });
  const service = {
    invoke: <M extends MethodName>(m: M, p: ParamsOf<M>) => raw.invoke(m, p) as Promise<ResultOf<M>>,
  };

  test('load on an empty workspace, save, load again', async () => {
    expect(await service.invoke('acl.load', {})).toEqual({
      path: 'broker/acl.conf',
      exists: false,
      text: '',
    });
    const saved = await service.invoke('acl.save', { text: TEXT });
    expect(saved).toEqual({ path: 'broker/acl.conf', exists: true, text: TEXT });
    expect(readFileSync(join(workspaceDir, 'broker/acl.conf'), 'utf8')).toBe(TEXT);
  });

  test('save refuses what Mosquitto refuses, naming the line, and writes nothing', async () => {
    await expect(service.invoke('acl.save', { text: 'topic read a\n # no\n' })).rejects.toThrow(
      /broker\/acl\.conf:2: /,
    );
    expect(readFileSync(join(workspaceDir, 'broker/acl.conf'), 'utf8')).toBe(TEXT);
    const fresh = join(tempDir('acl-api2-'), 'ws');
    const other = new ApiService({ workspaceDir: fresh, surface: 'cli' });
    await expect(other.invoke('acl.save', { text: 'topic\tx\n' })).rejects.toThrow(/:1: /);
    expect(existsSync(join(fresh, 'broker/acl.conf'))).toBe(false);
  });

  test('analyze keeps every line and lints', async () => {
    const a = await service.invoke('acl.analyze', { text: TEXT + '\ttopic read x\n' });
    expect(a.lines).toHaveLength(5);
    expect(a.refused).toBe(true);
    expect(a.diagnostics.map((d) => `${d.line}:${d.code}`)).toEqual(['1:anonymous-only', '5:refused']);
  });

  test('check and matrix answer with the deciding rule', async () => {
    const allow = await service.invoke('acl.check', {
      text: TEXT,
      username: 'device-1',
      clientId: 'd',
      topic: 'devices/device-1/x',
      access: 'write',
    });
    expect(allow).toMatchObject({ allow: true, rule: { line: 3 } });
    const m = await service.invoke('acl.matrix', {
      text: TEXT,
      identities: [{ username: 'device-1', clientId: 'd1' }, { clientId: 'anon' }],
      topics: ['public/a', 'status/anon'],
    });
    expect(
      m.cells.map((row) => row.map((c) => `${c.read.allow ? 'r' : '-'}${c.write.allow ? 'w' : '-'}`)),
    ).toEqual([
      ['--', '--'],
      ['r-', 'r-'],
    ]);
  });

  test('certificates: the username each workspace client certificate gets from a listener', async () => {
    expect(await service.invoke('acl.certificates', { useIdentityAsUsername: true })).toEqual([]);
    const ws = new Workspace(workspaceDir);
    await createCa(ws, { name: 'root', cn: 'ACL Root' });
    await issueCertificate(ws, { ca: 'root', profile: 'client', name: 'dev-7', cn: 'device 7' });
    await issueCertificate(ws, { ca: 'root', profile: 'server', name: 'srv', cn: 'localhost' });
    expect(await service.invoke('acl.certificates', { useIdentityAsUsername: true })).toEqual([
      {
        name: 'dev-7',
        cn: 'device 7',
        subject: 'CN=device 7',
        username: { source: 'cn', username: 'device 7' },
      },
    ]);
    const bySubject = await service.invoke('acl.certificates', { useSubjectAsUsername: true });
    expect(bySubject[0]!.username).toEqual({ source: 'subject', username: 'CN=device 7' });
    expect((await service.invoke('acl.certificates', {}))[0]!.username).toEqual({ source: 'connect' });
  });
});
