import { readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApiService } from '../../src-main/api/service.js';
import type { BrokerStatus } from '../../src-main/api/contract/broker.js';
import { tempDir } from '../helpers/tmp.js';

describe('broker local options (broker/local-options.json)', () => {
  it('defaults to Reason Strings on; setOptions saves the switch', async () => {
    const workspaceDir = tempDir('mts-local-options-');
    const service = new ApiService({ workspaceDir, surface: 'cli' });
    try {
      expect(await service.invoke('broker.options', {})).toEqual({ reasonStrings: true });
      expect(((await service.invoke('broker.status', {})) as BrokerStatus).reasonStrings).toBe(true);
      expect(await service.invoke('broker.setOptions', { reasonStrings: false })).toEqual({
        reasonStrings: false,
      });
      const file = join(workspaceDir, 'broker', 'local-options.json');
      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ reasonStrings: false });
      expect(((await service.invoke('broker.status', {})) as BrokerStatus).reasonStrings).toBe(false);
    } finally {
      await service.dispose();
    }
  });

  it('a broken file is named, and a change leaves it as it was', async () => {
    const workspaceDir = tempDir('mts-local-options-bad-');
    mkdirSync(join(workspaceDir, 'broker'), { recursive: true });
    const file = join(workspaceDir, 'broker', 'local-options.json');
    writeFileSync(file, '{ "reasonStrings": "yes" }\n');
    const before = statSync(file).mtimeMs;
    const service = new ApiService({ workspaceDir, surface: 'cli' });
    try {
      await expect(service.invoke('broker.options', {})).rejects.toThrow(
        `${file}: reasonStrings must be true or false`,
      );
      await expect(service.invoke('broker.setOptions', { reasonStrings: true })).rejects.toThrow(file);
      expect(readFileSync(file, 'utf8')).toBe('{ "reasonStrings": "yes" }\n');
      expect(statSync(file).mtimeMs).toBe(before);
    } finally {
      await service.dispose();
    }
  });
});
