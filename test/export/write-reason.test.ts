import { describe, expect, it } from 'vitest';
import { writeDisabledReason } from '../../src-renderer/src/lib/export-write-reason.js';
import type { ExportLintFinding } from '../../src-main/core/export/index.js';

/** The sentence beside the Export view's disabled "Write bundle" button (#19 item 5). */
describe('why "Write bundle" is off', () => {
  const finding = (severity: ExportLintFinding['severity'], code: string): ExportLintFinding => ({
    code,
    severity,
    file: 'mosquitto.conf',
    line: 12,
    message: `${code} message`,
    fix: `${code} fix`,
  });
  const base = {
    writing: false,
    previewError: '',
    preview: { findings: [] },
    outPath: '/tmp/out',
    target: 'folder' as const,
  };

  it('says nothing when the button is on (warnings and notes do not block)', () => {
    expect(writeDisabledReason(base)).toBe('');
    expect(
      writeDisabledReason({
        ...base,
        preview: { findings: [finding('warning', 'W'), finding('info', 'I')] },
      }),
    ).toBe('');
  });

  it('names the first lint error with its place and fix, and how many more', () => {
    const preview = {
      findings: [
        finding('warning', 'W'),
        finding('error', 'CRL_EXPIRED'),
        finding('error', 'X'),
        finding('error', 'Y'),
      ],
    };
    expect(writeDisabledReason({ ...base, preview })).toBe(
      'Writing is off until the checks pass: mosquitto.conf:12: CRL_EXPIRED message (and 2 more errors). Fix: CRL_EXPIRED fix.',
    );
  });

  it('names the settings error, and the missing output path for the chosen target', () => {
    expect(
      writeDisabledReason({ ...base, previewError: 'pathPrefix: "x" must be an absolute path' }),
    ).toContain('pathPrefix: "x" must be an absolute path');
    expect(writeDisabledReason({ ...base, outPath: ' ', target: 'tar.gz' })).toBe(
      'Writing is off: give the archive file on this machine to write to.',
    );
    expect(writeDisabledReason({ ...base, outPath: '', writing: true })).toBe('');
  });
});
