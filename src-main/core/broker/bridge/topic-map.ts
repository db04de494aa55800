import { filterProblem, isPublishTopic, topicMatchesFilter } from '../../acl/topic-filter.js';

/**
 * One `topic` line of a bridge, as Mosquitto 2.0.11 reads it (conf.c, bridge__add_topic):
 * `topic PATTERN [out|in|both [QOS [LOCAL_PREFIX [REMOTE_PREFIX]]]]`, direction `out` and QoS 0 by
 * default, `""` for an empty pattern or prefix. A prefix is prepended as written (no `/` is added).
 */
export type BridgeDirection = 'out' | 'in' | 'both';

export interface BridgeTopic {
  /** The pattern, or undefined for `""` (then both prefixes are the whole topic). */
  pattern?: string;
  direction: BridgeDirection;
  qos: 0 | 1 | 2;
  localPrefix?: string;
  remotePrefix?: string;
  /** The filter the bridge subscribes to locally (`out`/`both`): local prefix + pattern. */
  localTopic: string;
  /** The filter the bridge subscribes to at the remote broker (`in`/`both`): remote prefix + pattern. */
  remoteTopic: string;
}

/** A topic line Mosquitto refuses: `message` says why, in Mosquitto's own terms where it has them. */
export class TopicLineError extends Error {}

function prefixOf(token: string | undefined, which: 'local' | 'remote'): string | undefined {
  if (token === undefined || token === '""') return undefined;
  // mosquitto_pub_topic_check: no wildcards; Mosquitto: "Invalid bridge topic local prefix '…'"
  if (!isPublishTopic(token)) throw new TopicLineError(`invalid bridge topic ${which} prefix '${token}'`);
  return token;
}

/** Read the text after the `topic` keyword (tokens split on spaces, as Mosquitto's strtok does). */
export function parseTopicLine(text: string): BridgeTopic {
  const tokens = text.split(' ').filter((t) => t !== '');
  if (tokens.length === 0) throw new TopicLineError('empty topic line');
  if (tokens.length > 5)
    throw new TopicLineError(`too many words: PATTERN [out|in|both [QOS [LOCAL_PREFIX [REMOTE_PREFIX]]]]`);
  const [rawPattern, rawDirection, rawQos, rawLocal, rawRemote] = tokens;
  const direction = (rawDirection?.toLowerCase() ?? 'out') as BridgeDirection;
  if (!['out', 'in', 'both'].includes(direction))
    throw new TopicLineError(`invalid bridge topic direction '${rawDirection}': use out, in or both`);
  if (rawQos !== undefined && !/^[012]$/.test(rawQos))
    throw new TopicLineError(`invalid bridge QoS level '${rawQos}': use 0, 1 or 2`);
  const qos = Number(rawQos ?? 0) as 0 | 1 | 2;
  const localPrefix = prefixOf(rawLocal, 'local');
  const remotePrefix = prefixOf(rawRemote, 'remote');
  const pattern = rawPattern === '""' ? undefined : rawPattern;
  if (pattern === undefined && (localPrefix === undefined || remotePrefix === undefined)) {
    // bridge__add_topic: "Invalid bridge remapping."
    throw new TopicLineError(
      'invalid bridge remapping: an empty pattern ("") needs both a local and a remote prefix',
    );
  }
  const localTopic = (localPrefix ?? '') + (pattern ?? '');
  const remoteTopic = (remotePrefix ?? '') + (pattern ?? '');
  for (const [filter, side] of [
    [localTopic, 'local'],
    [remoteTopic, 'remote'],
  ] as const) {
    const problem = filterProblem(filter);
    if (problem) throw new TopicLineError(`invalid ${side} topic '${filter}': ${problem}`);
  }
  const topic: BridgeTopic = { direction, qos, localTopic, remoteTopic };
  if (pattern !== undefined) topic.pattern = pattern;
  if (localPrefix !== undefined) topic.localPrefix = localPrefix;
  if (remotePrefix !== undefined) topic.remotePrefix = remotePrefix;
  return topic;
}

const sendsOut = (t: BridgeTopic) => t.direction === 'out' || t.direction === 'both';
const takesIn = (t: BridgeTopic) => t.direction === 'in' || t.direction === 'both';
const remaps = (t: BridgeTopic) => t.localPrefix !== undefined || t.remotePrefix !== undefined;

/**
 * The remote topic of a local message (Mosquitto's send__publish for a bridge): the first `out`/`both`
 * line with a prefix whose local topic matches loses its local prefix (when the topic starts with it)
 * and gains its remote prefix; with no such line the topic goes out unchanged.
 */
export function remapOut(topics: readonly BridgeTopic[], topic: string): string {
  for (const t of topics) {
    if (!sendsOut(t) || !remaps(t) || !topicMatchesFilter(t.localTopic, topic)) continue;
    let mapped = topic;
    if (t.localPrefix !== undefined && mapped.startsWith(t.localPrefix))
      mapped = mapped.slice(t.localPrefix.length);
    return (t.remotePrefix ?? '') + mapped;
  }
  return topic;
}

/** The local topic of a remote message (Mosquitto's bridge__remap_topic_in), the mirror of remapOut. */
export function remapIn(topics: readonly BridgeTopic[], topic: string): string {
  for (const t of topics) {
    if (!takesIn(t) || !remaps(t) || !topicMatchesFilter(t.remoteTopic, topic)) continue;
    let mapped = topic;
    if (t.remotePrefix !== undefined && mapped.startsWith(t.remotePrefix))
      mapped = mapped.slice(t.remotePrefix.length);
    return (t.localPrefix ?? '') + mapped;
  }
  return topic;
}

/** The local subscriptions of a bridge: one per `out`/`both` line (Mosquitto subscribes once per line). */
export function localSubscriptions(topics: readonly BridgeTopic[]): BridgeTopic[] {
  return topics.filter(sendsOut);
}

/** The remote subscriptions (`in`/`both`) and the lines it unsubscribes from (bridge_attempt_unsubscribe). */
export function remoteSubscriptions(topics: readonly BridgeTopic[]): {
  subscribe: BridgeTopic[];
  unsubscribe: BridgeTopic[];
} {
  return { subscribe: topics.filter(takesIn), unsubscribe: topics.filter((t) => !takesIn(t)) };
}
