import { describe, expect, it } from 'vitest';
import { allCommands, commandsStartingWith } from '../../src-main/cli/commands/index.js';

// The dispatcher loads only the command file of a command line's first word: a command missing from
// that map would answer "unknown command" although help lists it.
describe('command files by first word', () => {
  it('reaches every command help lists through its first word, and nothing else', async () => {
    const all = await allCommands();
    expect(all.length).toBeGreaterThan(20);
    for (const command of all) {
      const word = command.name.split(' ')[0]!;
      const found = await commandsStartingWith(word);
      expect(
        found.map((c) => c.name),
        command.name,
      ).toContain(command.name);
      expect(found.every((c) => c.name.split(' ')[0] === word)).toBe(true);
    }
    const firstWords = new Set(all.map((c) => c.name.split(' ')[0]!));
    const reached = (await Promise.all([...firstWords].map((w) => commandsStartingWith(w)))).flat();
    expect(reached.map((c) => c.name).sort()).toEqual(all.map((c) => c.name).sort());
  });

  it('finds no command for other words, including names of Object.prototype', async () => {
    for (const word of ['publish', 'toString', 'constructor', '__proto__', '']) {
      expect(await commandsStartingWith(word)).toEqual([]);
    }
  });
});
