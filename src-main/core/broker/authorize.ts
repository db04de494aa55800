import { evaluateAcl, topicMatchesFilter, type AclAnswer } from '../acl/index.js';
import type { ConnectionState } from './connection-state.js';
import type { SecurityScope } from './security-store.js';

export interface AclDenial {
  access: 'read' | 'write';
  topic: string;
  answer: AclAnswer;
}

/** Logs a refusal (called with the check's arguments, so the hot path allocates no closure). */
export type DenialLogger = (
  state: ConnectionState,
  scope: SecurityScope,
  denial: AclDenial,
  qos: number,
) => void;

/**
 * Mosquitto's access check (mosquitto_acl_check): `$SYS` writes (except a bridge's connection state) and
 * `$share` topics are refused first; then, when the scope has an acl_file, the ACL decides. Without an
 * acl_file everything else is allowed. Decisions are cached per connection and dropped when the ACL reloads.
 * Returns undefined when allowed, else the refusing answer (after `onDenied` logged it: every refused
 * publish, a refused delivery only the first time — a subscriber to # would flood the log).
 */
export function checkAccess(
  state: ConnectionState,
  scope: SecurityScope,
  access: 'read' | 'write',
  topic: string,
  onDenied: DenialLogger,
  qos = 0,
): AclAnswer | undefined {
  const acl = scope.acl;
  if (!acl && topic.charCodeAt(0) !== 36 /* $ */) return undefined;
  if (state.aclGeneration !== scope.aclGeneration) {
    state.readDecisions.clear();
    state.writeDecisions.clear();
    state.aclGeneration = scope.aclGeneration;
  }
  const cache = access === 'read' ? state.readDecisions : state.writeDecisions;
  const known = cache.get(topic);
  if (known !== undefined) {
    if (known.allow) return undefined;
    if (access === 'write') onDenied(state, scope, { access, topic, answer: known }, qos);
    return known;
  }
  const answer = decide(state, scope, access, topic);
  cache.set(topic, answer);
  if (answer.allow) return undefined;
  onDenied(state, scope, { access, topic, answer }, qos);
  return answer;
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
