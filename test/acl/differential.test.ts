/**
 * Differential test: Debian's Mosquitto 2.0.11 (real clients publishing and subscribing) and our
 * evaluator answer the same questions on the same ACL files, and must agree on every one.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { evaluateAcl, parseAcl } from '../../src-main/core/acl/index.js';
import { sharedTempDir } from '../helpers/tmp.js';
import { ACL_CASES, type AclCase } from './corpus.js';
import { askMosquitto, type Question } from './mosquitto-judge.js';

function questionsOf(c: AclCase): Question[] {
  const out: Question[] = [];
  for (const id of c.identities) {
    for (const topic of c.topics) {
      for (const access of ['read', 'write'] as const) out.push({ ...id, topic, access });
    }
    for (const topic of c.writeOnly ?? []) out.push({ ...id, topic, access: 'write' });
  }
  return out;
}

function describeQuestion(q: Question): string {
  const who = q.username === undefined ? '(anonymous)' : JSON.stringify(q.username);
  return `${who} id ${JSON.stringify(q.clientId)} ${q.access} ${JSON.stringify(q.topic)}`;
}

// Mosquitto started as root drops to the `mosquitto` user before it reads the ACL file.
const root = sharedTempDir('acl-diff-');

describe('ACL evaluator agrees with Mosquitto 2.0.11', () => {
  test.concurrent.each(ACL_CASES.map((c) => [c.name, c] as const))(
    '%s',
    async (name, c) => {
      const dir = join(root, name);
      mkdirSync(dir, { mode: 0o755 });
      const questions = questionsOf(c);
      const acl = parseAcl(c.acl, `${name}.acl`);
      const ours = questions.map((q) => evaluateAcl(acl, q));
      const theirs = await askMosquitto(dir, c.acl, questions);
      const disagreements = questions
        .map((q, i) => ({ q, ours: ours[i]!, theirs: theirs[i]! }))
        .filter((x) => x.ours.allow !== x.theirs.allow || x.theirs.detail !== undefined)
        .map(
          (x) =>
            `${describeQuestion(x.q)}: mosquitto ${x.theirs.allow ? 'allow' : 'deny'}${x.theirs.detail ? ` (${x.theirs.detail})` : ''}, ours ${x.ours.allow ? 'allow' : 'deny'} — ${x.ours.reason}`,
        );
      expect(disagreements, `${c.about}\n${disagreements.join('\n')}`).toEqual([]);
      // The corpus must exercise both answers, or it proves little.
      expect(ours.some((a) => a.allow)).toBe(c.name !== 'empty-file');
      expect(ours.some((a) => !a.allow)).toBe(true);
    },
    60_000,
  );
});
