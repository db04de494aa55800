/**
 * MQTT topic filters as Mosquitto 2.0 treats them: `mosquitto_sub_topic_check` (is this a filter at all?)
 * and `mosquitto_topic_matches_sub` (does this topic match it?). The broker and the ACL evaluator share
 * these, so a subscription and an ACL rule match exactly the same topics.
 */

/** Mosquitto's TOPIC_HIERARCHY_LIMIT: a filter or topic with more `/` than this is refused. */
export const TOPIC_HIERARCHY_LIMIT = 200;
const MAX_TOPIC_BYTES = 65535;

/**
 * Why `filter` is not a valid subscription filter, or undefined when it is. `+` must fill a whole level,
 * `#` must fill the last level; at most 65535 bytes and 200 `/`.
 */
export function filterProblem(filter: string): string | undefined {
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!;
    if (level.includes('+') && level !== '+') return `'+' must fill a whole topic level`;
    if (level.includes('#')) {
      if (level !== '#') return `'#' must fill a whole topic level`;
      if (i !== levels.length - 1) return `'#' must be the last topic level`;
    }
  }
  if (Buffer.byteLength(filter, 'utf8') > MAX_TOPIC_BYTES) return 'longer than 65535 bytes';
  if (levels.length - 1 > TOPIC_HIERARCHY_LIMIT) return `more than ${TOPIC_HIERARCHY_LIMIT} levels`;
  return undefined;
}

/**
 * True when MQTT (and so Mosquitto) lets a client carry this string: control characters (U+0000–U+001F,
 * U+007F–U+009F) and lone surrogates make the packet malformed and Mosquitto drops the client.
 */
export function isMqttString(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code <= 0x1f || (code >= 0x7f && code <= 0x9f)) return false;
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    } else if (code >= 0xdc00 && code <= 0xdfff) return false;
  }
  return true;
}

/** True when `topic` may be published to: no `+` or `#`, not empty, a valid MQTT string, within limits. */
export function isPublishTopic(topic: string): boolean {
  if (topic === '' || topic.includes('+') || topic.includes('#') || !isMqttString(topic)) return false;
  if (Buffer.byteLength(topic, 'utf8') > MAX_TOPIC_BYTES) return false;
  return topic.split('/').length - 1 <= TOPIC_HIERARCHY_LIMIT;
}

/**
 * Does `topic` (a concrete topic name) match `filter`? Mosquitto's rules: `+` matches exactly one level
 * (an empty one too), `#` matches the rest including the parent (`a/#` matches `a`), and a topic starting
 * with `$` only matches a filter starting with `$` (and the other way round), so `#` never matches `$SYS`.
 * An invalid filter or a topic holding wildcards matches nothing.
 */
export function topicMatchesFilter(filter: string, topic: string): boolean {
  if (filter === '' || topic === '') return false;
  if (topic.includes('+') || topic.includes('#')) return false;
  if ((filter[0] === '$') !== (topic[0] === '$')) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const level = f[i]!;
    if (level === '#') return i === f.length - 1;
    if (level.includes('#')) return false;
    if (i >= t.length) return false;
    if (level === '+') continue;
    if (level.includes('+')) return false;
    if (level !== t[i]) return false;
  }
  return f.length === t.length;
}
