import { describe, expect, it } from 'vitest';
import { AclDecisionCache } from '../../src-main/core/broker/acl-decision-cache.js';

const allow = { allow: true, reason: 'rule 1' };
const deny = { allow: false, reason: 'default deny' };

describe('AclDecisionCache (one connection, one access)', () => {
  it('answers the last topic and any other cached topic', () => {
    const cache = new AclDecisionCache();
    cache.set('a/b', allow);
    cache.set('c/d', deny);
    expect(cache.get('c/d')).toBe(deny);
    // a topic string built anew (as each parsed PUBLISH's is) finds the same decision
    expect(cache.get(['a', 'b'].join('/'))).toBe(allow);
    expect(cache.get('c/d')).toBe(deny);
    expect(cache.get('e/f')).toBeUndefined();
    expect(cache.get('a/b')).toBe(allow);
  });

  it('forgets everything on clear, the last topic too (an ACL reload)', () => {
    const cache = new AclDecisionCache();
    cache.set('a/b', allow);
    expect(cache.get('a/b')).toBe(allow);
    cache.clear();
    expect(cache.get('a/b')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('stays bounded: past 2048 topics it starts over', () => {
    const cache = new AclDecisionCache();
    for (let i = 0; i < 2048; i++) cache.set(`t/${i}`, allow);
    expect(cache.size).toBe(2048);
    cache.set('t/new', deny);
    expect(cache.size).toBe(1);
    expect(cache.get('t/0')).toBeUndefined();
    expect(cache.get('t/new')).toBe(deny);
  });
});
