import { evaluateAcl, topicMatchesFilter, type AclAnswer } from '../acl/index.js';
import type { ConnectionState } from './connection-state.js';
import type { SecurityScope } from './security-store.js';

/** Cached decisions per connection stay small; a client cycling through topics just recomputes. */
const CACHE_LIMIT = 2048;

export interface AclDenial {
  access: 'read' | 'write';
  topic: string;
  answer: AclAnswer;
}

/**
 * Mosquitto's access check (mosquitto_acl_check): `$SYS` writes (except a bridge's connection state) and
 * `$share` topics are refused first; then, when the scope has an acl_file, the ACL decides. Without an
 * acl_file everything else is allowed. Decisions are cached per connection and dropped when the ACL reloads.
 */
export function checkAccess(
  state: ConnectionState,
  scope: SecurityScope,
  access: 'read' | 'write',
  topic: string,
  onDenied: (denial: AclDenial) => void,
): boolean {
  const acl = scope.acl;
  if (!acl && topic.charCodeAt(0) !== 36 /* $ */) return true;
  if (state.aclGeneration !== scope.aclGeneration) {
    state.readDecisions.clear();
    state.writeDecisions.clear();
    state.aclGeneration = scope.aclGeneration;
  }
  const cache = access === 'read' ? state.readDecisions : state.writeDecisions;
  const known = cache.get(topic);
  if (known !== undefined) {
    // every refused publish is logged; a refused delivery only the first time (a subscriber to # would flood)
    if (!known.allow && access === 'write') onDenied({ access, topic, answer: known });
    return known.allow;
  }
  const answer = decide(state, scope, access, topic);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(topic, answer);
  if (!answer.allow) onDenied({ access, topic, answer });
  return answer.allow;
}

function decide(
  state: ConnectionState,
  scope: SecurityScope,
  access: 'read' | 'write',
  topic: string,
): AclAnswer {
  if (scope.acl) {
    const question = { clientId: state.clientId ?? '', topic, access } as Parameters<typeof evaluateAcl>[1];
    if (state.username !== undefined) question.username = state.username;
    return evaluateAcl(scope.acl, question);
  }
  // No acl_file: only Mosquitto's $-topic rules apply.
  if (topic.startsWith('$SYS')) {
    if (access === 'write' && !topicMatchesFilter('$SYS/broker/connection/+/state', topic)) {
      return {
        allow: false,
        reason: 'clients may not publish to $SYS topics (Mosquitto refuses it before any ACL)',
      };
    }
    return { allow: true, reason: 'reading $SYS is allowed' };
  }
  if (topic.startsWith('$share')) {
    return { allow: false, reason: '$share topics are only for shared subscriptions' };
  }
  return { allow: true, reason: 'no acl_file: everything is allowed' };
}
