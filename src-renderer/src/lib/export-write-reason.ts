import type { ExportPreview } from '../../../src-main/core/export/index.js';

/**
 * Why the Export view's "Write bundle" button is off, as one sentence the user can act on (empty when
 * it is on, or while a write is running). A disabled button that does not say why was one of the
 * first-hour stumbles (#19).
 */
export function writeDisabledReason(state: {
  writing: boolean;
  previewError: string;
  preview: Pick<ExportPreview, 'findings'> | null;
  outPath: string;
  target: 'folder' | 'tar.gz';
}): string {
  if (state.writing) return '';
  if (state.previewError) {
    return `Writing is off: these settings cannot make a bundle — ${state.previewError}`;
  }
  const errors = state.preview?.findings.filter((f) => f.severity === 'error') ?? [];
  const first = errors[0];
  if (first) {
    const where = first.line !== undefined ? `${first.file}:${first.line}` : first.file;
    const more =
      errors.length > 1 ? ` (and ${errors.length - 1} more error${errors.length > 2 ? 's' : ''})` : '';
    return `Writing is off until the checks pass: ${where}: ${first.message}${more}. Fix: ${first.fix}.`;
  }
  if (!state.outPath.trim()) {
    return `Writing is off: give the ${state.target === 'folder' ? 'folder' : 'archive file'} on this machine to write to.`;
  }
  return '';
}
