/**
 * Asks Debian's Mosquitto 2.0.11 the ACL questions for real: it loads the ACL file, real mqtt.js clients
 * connect as each (username, client id), publish and subscribe, and we watch what gets delivered.
 *
 * - write question: the client publishes (QoS 1; Mosquitto acks a refused publish too) and a judge client
 *   that may read everything watches whether the message arrives.
 * - read question: the judge publishes to the topic, once retained before anybody subscribes and once
 *   live afterwards; the client subscribes to the topic (SUBSCRIBE is never refused, the read check is
 *   made at delivery) and we see whether each copy arrives. Both must give the same answer.
 * - read of a `$SYS` topic: nobody may publish there, so the topic must be one Mosquitto itself keeps
 *   retained (e.g. `$SYS/broker/version`); the judge must see it, else the question cannot be judged.
 *
 * A barrier (a SUBSCRIBE whose SUBACK Mosquitto queues after every earlier delivery on that connection)
 * tells us when everything that was going to arrive has arrived; there are no sleeps.
 */
import type { MqttClient } from 'mqtt';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../helpers/ports.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { barrier, connect, withTimeout } from './mqtt-test-client.js';

export interface Question {
  username?: string;
  clientId: string;
  topic: string;
  access: 'read' | 'write';
}

export interface Verdict {
  allow: boolean;
  /** For read questions: whether the retained copy and the live copy were both (or neither) delivered. */
  detail?: string;
}

export const JUDGE_USER = '__judge';
/** The ACL file Mosquitto loads: the case's text plus a block for the judge (it changes no other list). */
export function judgedAclText(acl: string, questions: Question[]): string {
  const dollarRoots = new Set<string>();
  for (const q of questions) {
    if (q.topic.startsWith('$') && !q.topic.startsWith('$SYS') && !q.topic.startsWith('$share')) {
      dollarRoots.add(q.topic.split('/')[0]!);
    }
  }
  const judge = [`user ${JUDGE_USER}`, 'topic readwrite #', 'topic read $SYS/#'];
  for (const root of dollarRoots) judge.push(`topic readwrite ${root}/#`);
  const sep = acl === '' || acl.endsWith('\n') ? '' : '\n';
  return `${acl}${sep}${judge.join('\n')}\n`;
}

/** Split the identities into rounds in which every client id is used once (a second one would take over). */
function rounds(questions: Question[]): Question[][][] {
  const identities = new Map<string, Question[]>();
  for (const q of questions) {
    const key = JSON.stringify([q.username ?? null, q.clientId]);
    const list = identities.get(key) ?? [];
    list.push(q);
    identities.set(key, list);
  }
  const out: Question[][][] = [];
  for (const group of identities.values()) {
    const clientId = group[0]!.clientId;
    let round = out.find((r) => !r.some((g) => g[0]!.clientId === clientId));
    if (!round) out.push((round = []));
    round.push(group);
  }
  return out;
}

/** Start Mosquitto on this ACL text and answer every question through it. */
export async function askMosquitto(dir: string, acl: string, questions: Question[]): Promise<Verdict[]> {
  const aclPath = join(dir, 'acl');
  writeFileSync(aclPath, judgedAclText(acl, questions));
  const port = await freePort();
  const conf = [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    `acl_file ${aclPath}`,
    'persistence false',
    'log_dest stderr',
    'log_type all',
    '',
  ].join('\n');
  const broker = await startMosquitto(dir, conf, port);
  const verdicts = new Map<Question, Verdict>();
  const clients: MqttClient[] = [];
  try {
    const readTopics = [...new Set(questions.filter((q) => q.access === 'read').map((q) => q.topic))];
    const topicIndex = new Map(readTopics.map((t, i) => [t, i]));
    const publishable = readTopics.filter((t) => !t.startsWith('$SYS'));

    // Retained copies first, before anybody subscribes.
    const seed = await connect(port, '__judge-seed', JUDGE_USER);
    clients.push(seed.client);
    for (const t of publishable) {
      await withTimeout(
        seed.client.publishAsync(t, `r:${topicIndex.get(t)}`, { qos: 1, retain: true }),
        `seed ${t}`,
      );
    }

    for (const [r, round] of rounds(questions).entries()) {
      const judge = await connect(port, `__judge-${r}`, JUDGE_USER);
      clients.push(judge.client);
      const members = [];
      for (const group of round) {
        const { username, clientId } = group[0]!;
        const conn = await connect(port, clientId, username);
        clients.push(conn.client);
        members.push({ group, ...conn });
      }
      const roundQuestions = round.flat();
      const writeTopics = [
        ...new Set(roundQuestions.filter((q) => q.access === 'write').map((q) => q.topic)),
      ];
      const sysTopics = [
        ...new Set(
          roundQuestions.filter((q) => q.access === 'read' && q.topic.startsWith('$SYS')).map((q) => q.topic),
        ),
      ];
      const liveTopics = publishable.filter((t) =>
        roundQuestions.some((q) => q.access === 'read' && q.topic === t),
      );
      const judgeTopics = [...new Set([...writeTopics, ...sysTopics, ...liveTopics])];
      if (judgeTopics.length > 0)
        await withTimeout(judge.client.subscribeAsync(judgeTopics, { qos: 0 }), 'judge subscribe');
      for (const m of members) {
        const topics = [...new Set(m.group.filter((q) => q.access === 'read').map((q) => q.topic))];
        if (topics.length > 0)
          await withTimeout(m.client.subscribeAsync(topics, { qos: 0 }), `subscribe ${m.group[0]!.clientId}`);
      }
      // Writes by the asking clients, then live copies of the read topics by the judge.
      let n = 0;
      const writeMarks = new Map<Question, string>();
      for (const m of members) {
        for (const q of m.group.filter((x) => x.access === 'write')) {
          const mark = `w:${r}:${n++}`;
          writeMarks.set(q, mark);
          await withTimeout(m.client.publishAsync(q.topic, mark, { qos: 1 }), `publish ${q.topic}`);
        }
      }
      for (const t of liveTopics) {
        await withTimeout(
          judge.client.publishAsync(t, `l:${r}:${topicIndex.get(t)}`, { qos: 1 }),
          `live ${t}`,
        );
      }
      await Promise.all([barrier(judge.client), ...members.map((m) => barrier(m.client))]);

      for (const m of members) {
        for (const q of m.group) {
          if (q.access === 'write') {
            const mark = writeMarks.get(q)!;
            verdicts.set(q, { allow: judge.got.some((g) => g.payload === mark && g.topic === q.topic) });
          } else if (q.topic.startsWith('$SYS')) {
            if (!judge.got.some((g) => g.topic === q.topic)) {
              throw new Error(`cannot judge reading ${q.topic}: Mosquitto has no retained message there`);
            }
            verdicts.set(q, { allow: m.got.some((g) => g.topic === q.topic) });
          } else {
            const k = topicIndex.get(q.topic);
            if (!judge.got.some((g) => g.topic === q.topic && g.payload === `l:${r}:${k}`)) {
              throw new Error(`cannot judge reading ${q.topic}: the judge could not publish and receive it`);
            }
            const retained = m.got.some((g) => g.topic === q.topic && g.payload === `r:${k}`);
            const live = m.got.some((g) => g.topic === q.topic && g.payload === `l:${r}:${k}`);
            verdicts.set(q, {
              allow: retained && live,
              detail:
                retained === live
                  ? undefined
                  : `retained copy ${retained ? 'delivered' : 'refused'}, live copy ${live ? 'delivered' : 'refused'}`,
            });
          }
        }
      }
      await Promise.all(members.map((m) => m.client.endAsync()));
      await judge.client.endAsync();
    }
  } catch (error) {
    throw new Error(`${(error as Error).message}\nMosquitto log:\n${broker.log()}`);
  } finally {
    for (const c of clients) c.end(true);
    await broker.stop();
  }
  return questions.map((q) => verdicts.get(q)!);
}
