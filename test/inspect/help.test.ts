import { describe, expect, it } from 'vitest';
import { PROBLEM_CODES } from '../../src-main/core/problems.js';
import { cli } from '../helpers/run.js';

describe('inspect --help', () => {
  it('lists every problem code of problems.ts, each once, in its order', async () => {
    const result = await cli(['inspect', '--help']);
    expect(result.code).toBe(0);
    const start = result.stdout.indexOf('Problem codes: ');
    expect(start).toBeGreaterThan(0);
    const end = result.stdout.indexOf('.\n', start);
    const paragraph = result.stdout.slice(start, end + 1);
    expect(paragraph.slice('Problem codes: '.length, -1).split(/,\s+/)).toEqual([...PROBLEM_CODES]);
    // Wrapped like the rest of the details text.
    expect(Math.max(...paragraph.split('\n').map((line) => line.length))).toBeLessThanOrEqual(110);
  });
});
