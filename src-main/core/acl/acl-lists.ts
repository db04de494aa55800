import type { AclFile, RuleLine } from './acl-file.js';

/**
 * The lists Mosquitto builds from an ACL file (`add__acl`, `add__acl_pattern`): one list for clients
 * without a username (the `topic` lines before the first `user`), one per user name (blocks with the same
 * name are merged), and one list of patterns for everybody. In each list the deny rules come first, in
 * reverse file order (Mosquitto puts each new deny at the front), then the grants in file order.
 */
export interface AclLists {
  /** The `topic` lines before the first `user` line; undefined when there are none. */
  anonymous?: RuleLine[];
  /** User name → its `topic` lines. A `user` line with no `topic` under it creates no list. */
  users: Map<string, RuleLine[]>;
  patterns: RuleLine[];
}

const cache = new WeakMap<AclFile, AclLists>();

function push(list: RuleLine[], rule: RuleLine): void {
  if (rule.access === 'deny') list.unshift(rule);
  else list.push(rule);
}

/** Build (once per AclFile object) the lists Mosquitto checks. Invalid lines are ignored. */
export function aclLists(acl: AclFile): AclLists {
  const cached = cache.get(acl);
  if (cached) return cached;
  const lists: AclLists = { users: new Map(), patterns: [] };
  for (const line of acl.lines) {
    if (line.kind === 'pattern') push(lists.patterns, line);
    else if (line.kind === 'topic') {
      let list: RuleLine[] | undefined;
      if (line.owner === undefined) list = lists.anonymous ??= [];
      else {
        list = lists.users.get(line.owner);
        if (!list) lists.users.set(line.owner, (list = []));
      }
      push(list, line);
    }
  }
  cache.set(acl, lists);
  return lists;
}
