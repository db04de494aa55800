import { aclLists, evaluateAcl, expandPattern, type AclFile } from '../acl/index.js';

/**
 * Topics for a client bundle's ready commands: one the ACL lets the client publish to, and a filter
 * under which it may read that same message back — so `mosquitto_sub` then `mosquitto_pub` from the
 * README shows the message arriving. Answers are checked with the ACL evaluator (Mosquitto's rules).
 */
export interface ClientTopics {
  publishTopic: string;
  subscribeFilter: string;
  /** False when the ACL grants this client nothing we could find (the commands then show a default). */
  granted: boolean;
}

/** A concrete topic inside a filter: `+` → the client's name, `#` → `hello`. */
function topicIn(filter: string, fill: string): string {
  const levels = filter.split('/').map((level) => (level === '+' ? fill : level === '#' ? 'hello' : level));
  return levels.join('/');
}

/** The filter to subscribe to for a topic: the granted filter itself when it has wildcards. */
function filterFor(topic: string, granted: string): string {
  if (/[+#]/.test(granted)) return granted;
  return topic;
}

export function clientTopics(
  acl: AclFile | undefined,
  who: { username?: string; publishClientId: string; subscribeClientId: string; name: string },
): ClientTopics {
  const fallbackTopic = `clients/${who.name}/hello`;
  if (!acl) return { publishTopic: fallbackTopic, subscribeFilter: `clients/${who.name}/#`, granted: true };
  const lists = aclLists(acl);
  const own = who.username === undefined ? lists.anonymous : lists.users.get(who.username);
  const candidates: string[] = [];
  for (const rule of own ?? []) if (rule.access !== 'deny') candidates.push(rule.topic);
  for (const rule of lists.patterns) {
    if (rule.access === 'deny') continue;
    const expanded = expandPattern(rule.topic, who.publishClientId, who.username);
    if (expanded !== undefined) candidates.push(expanded);
  }
  const fill = who.username ?? who.name;
  for (const filter of candidates) {
    if (filter.startsWith('$')) continue;
    const topic = topicIn(filter, fill.replace(/[+#/]/g, '_'));
    let canWrite = false;
    let canRead = false;
    try {
      const base = { topic, ...(who.username !== undefined ? { username: who.username } : {}) };
      canWrite = evaluateAcl(acl, { ...base, clientId: who.publishClientId, access: 'write' }).allow;
      canRead = evaluateAcl(acl, { ...base, clientId: who.subscribeClientId, access: 'read' }).allow;
    } catch {
      continue;
    }
    if (canWrite && canRead)
      return { publishTopic: topic, subscribeFilter: filterFor(topic, filter), granted: true };
  }
  return { publishTopic: fallbackTopic, subscribeFilter: `clients/${who.name}/#`, granted: false };
}
