/**
 * ACL files and questions for the differential test: every question is asked of Debian's Mosquitto (real
 * clients) and of our evaluator, and the answers must agree. Each case asks every identity about every
 * topic, for read and for write (topics in `writeOnly` only for write). Add a case whenever a new corner
 * of Mosquitto's behaviour turns up.
 */
export interface Identity {
  username?: string;
  clientId: string;
}

export interface AclCase {
  name: string;
  /** What the case is about (shown when it fails). */
  about: string;
  acl: string;
  identities: Identity[];
  topics: string[];
  /** Topics asked about for write only (nobody can publish there to test a read). */
  writeOnly?: string[];
}

const anon = (clientId: string): Identity => ({ clientId });
const user = (username: string, clientId: string): Identity => ({ username, clientId });

export const ACL_CASES: AclCase[] = [
  {
    name: 'anonymous-vs-user',
    about:
      'topic lines before the first user apply only to clients without a username; a user gets only its block',
    acl: [
      '# anonymous clients',
      'topic read public/#',
      'topic readwrite anon/#',
      '',
      'user alice',
      'topic readwrite alice/#',
      'topic read public/news',
      '',
    ].join('\n'),
    identities: [anon('anon-1'), user('alice', 'alice-1'), user('bob', 'bob-1')],
    topics: ['public/news', 'public/other', 'anon/1', 'alice/1', 'alice', 'bob/1'],
  },
  {
    name: 'patterns',
    about: '%u and %c patterns apply to every client; %u patterns are skipped without a username',
    acl: [
      'topic read lobby/#',
      'pattern readwrite devices/%u/#',
      'pattern read clients/%c/in',
      'pattern write clients/%c/out',
      'user admin',
      'topic readwrite #',
      '',
    ].join('\n'),
    identities: [anon('dev9'), user('d1', 'c1'), user('admin', 'adm'), user('d2', 'c/x')],
    topics: [
      'devices/d1/temp',
      'devices/d1',
      'devices/d2/t',
      'clients/c1/in',
      'clients/c1/out',
      'clients/dev9/in',
      'clients/c/x/in',
      'clients/c/x/out',
      'lobby/1',
      'devices/%u/x',
    ],
  },
  {
    name: 'deny-first',
    about:
      'deny rules are checked before grants whatever their order; a pattern deny cannot override the own list',
    acl: [
      'user alice',
      'topic readwrite house/#',
      'topic deny house/secret',
      'topic read house/secret/open',
      'topic deny house/+/locked',
      'pattern deny house/%u/private',
      'pattern readwrite house/%u/#',
      'pattern read house/#',
      '',
    ].join('\n'),
    identities: [user('alice', 'a'), user('bob', 'b'), anon('anon')],
    topics: [
      'house/secret',
      'house/secret/open',
      'house/x',
      'house/door/locked',
      'house/alice/private',
      'house/bob/private',
      'house/bob/kitchen',
      'house',
    ],
  },
  {
    name: 'odd-lines',
    about:
      'a lone word after topic is the topic; spaces inside a topic; a tab later in the line; indented rules; CRLF',
    acl: [
      'topic read',
      'topic deny',
      'topic write',
      'topic read a b/c',
      'topic write tab\there',
      'topic read \tlead',
      '   topic read indented/#',
      'topic read trailing \t ',
      'topic  read  double',
      'user  spaced name ',
      'topic readwrite spaced/#\r',
      '#comment with\ttab',
      'user tabbed\tname',
      'topic readwrite tabbed/#',
      '',
    ].join('\n'),
    // A tab can be written in a rule but never published: MQTT strings may not hold control characters
    // (Mosquitto drops the client as "malformed"), so 'tab\there' and the user 'tabbed\tname' are unreachable.
    identities: [anon('anon'), user('spaced name', 'sp'), user('spaced name ', 'sp2')],
    topics: [
      'read',
      'deny',
      'write',
      'a b/c',
      'lead',
      'indented/x',
      'trailing',
      'double',
      'spaced/1',
      'tabbed/1',
    ],
  },
  {
    name: 'dollar-topics',
    about: '# does not match $ topics; $SYS is never writable (except connection state); $share is refused',
    acl: [
      'topic readwrite #',
      'topic read $SYS/#',
      'topic readwrite $app/#',
      'user u',
      'topic readwrite +/#',
      'topic readwrite $SYS/broker/connection/+/state',
      'user sys',
      'topic readwrite $SYS/#',
      'topic readwrite $share/#',
      '',
    ].join('\n'),
    identities: [anon('anon'), user('u', 'u1'), user('sys', 's1'), user('nobody', 'n1')],
    topics: ['$SYS/broker/version', 'plain/1', '$app/x', '$app', '$other/x', 'x'],
    writeOnly: ['$SYS/broker/connection/u1/state', '$SYS/custom', '$share/g/t', '$SYSTEM/x'],
  },
  {
    name: 'dangerous-ids',
    about: 'with patterns, + or # in a username or client id fails every pattern; the own list still applies',
    acl: [
      'topic readwrite lobby',
      'pattern readwrite room/%c/#',
      'pattern read shared/#',
      'user bo+b',
      'topic readwrite bob/#',
      'user carol',
      'topic read carol/#',
      '',
    ].join('\n'),
    identities: [
      anon('x+y'),
      anon('ok'),
      anon('h#sh'),
      user('bo+b', 'b'),
      user('carol', 'c#1'),
      user('carol', 'c1'),
      user('dave/x', 'd/1'),
    ],
    topics: ['lobby', 'room/ok/1', 'room/c1/a', 'room/b/1', 'room/d/1/z', 'bob/1', 'carol/1', 'shared/x'],
  },
  {
    name: 'dangerous-without-patterns',
    about: 'without patterns, + and # in names are harmless',
    acl: ['topic readwrite open/#', 'user x#y', 'topic readwrite xy/#', ''].join('\n'),
    identities: [anon('a+b'), user('x#y', 'q'), user('x#y', 'q+')],
    topics: ['open/1', 'xy/1'],
  },
  {
    name: 'merged-and-empty-blocks',
    about: 'two blocks of the same user merge; a user line without rules gives patterns only',
    acl: [
      'user alice',
      'topic read a/1',
      'user bob',
      'user alice',
      'topic write a/2',
      'topic deny a/1/#',
      'pattern read p/%u',
      '',
    ].join('\n'),
    identities: [user('alice', 'al'), user('bob', 'bo'), anon('an')],
    topics: ['a/1', 'a/2', 'a/1/x', 'p/alice', 'p/bob', 'p/an'],
  },
  {
    name: 'empty-file',
    about: 'an acl_file with no rules denies everything',
    acl: '# nothing here\n\n',
    identities: [anon('e1'), user('u', 'e2')],
    topics: ['a', 'b/c'],
  },
  {
    name: 'pattern-substitution',
    about: 'Mosquitto 2.0.11 replaces %u/%c anywhere in the pattern, not only as whole levels',
    acl: [
      'pattern read pre-%u-post/#',
      'pattern read x/%c%c',
      'pattern read pct/%',
      'pattern read dbl/%%u',
      'pattern readwrite %c/own',
      'pattern write u/%u/c/%c',
      '',
    ].join('\n'),
    identities: [user('bo', 'k'), anon('k2'), user('a/b', 'c3')],
    topics: [
      'pre-bo-post/1',
      'pre-%u-post/1',
      'x/kk',
      'x/k2k2',
      'pct/%',
      'dbl/%bo',
      'k/own',
      'k2/own',
      'c3/own',
      'u/bo/c/k',
      'u/a/b/c/c3',
    ],
  },
  {
    name: 'wildcards',
    about:
      'topic matching: + matches one (maybe empty) level, # matches the parent too, leading and trailing slashes',
    acl: [
      'topic readwrite a/+',
      'topic read b/#',
      'topic write +/+/c',
      'topic read /lead',
      'topic read trail/',
      'topic read +',
      'topic write m/+/n/#',
      '',
    ].join('\n'),
    identities: [anon('w')],
    topics: [
      'a/',
      'a',
      'a/x',
      'a/x/y',
      'b',
      'b/x/y',
      'x/y/c',
      'x//c',
      '/lead',
      'lead',
      'trail/',
      'trail',
      'single',
      '/',
      'm/1/n',
      'm/1/n/2/3',
      'm//n',
    ],
  },
  {
    name: 'access-kinds',
    about:
      'read grants only delivery, write only publish; the first matching grant with the right access decides',
    acl: [
      'topic read r/#',
      'topic write w/#',
      'topic readwrite rw/#',
      'topic read both/x',
      'topic write both/#',
      'user rw',
      'topic read same',
      'topic write same',
      '',
    ].join('\n'),
    identities: [anon('k'), user('rw', 'k2')],
    topics: ['r/1', 'w/1', 'rw/1', 'both/x', 'both/y', 'same'],
  },
  {
    name: 'odd-identities',
    about:
      'user names are exact (case, UTF-8, trailing blanks); %u is replaced once; a client id starting with $ makes a $ filter',
    acl: [
      'pattern readwrite %c/#',
      'pattern read x/%u',
      'user jürgen',
      'topic readwrite häuser/#',
      'user Alice',
      'topic read alice-upper/#',
      'user bob ',
      'topic read bob/#',
      '',
    ].join('\n'),
    identities: [
      user('jürgen', 'j1'),
      user('alice', 'al'),
      user('Alice', 'AL'),
      user('%c', 'zz'),
      anon('$dev'),
      user('bob', 'b1'),
      user('bob ', 'b2'),
      anon('with space'),
    ],
    topics: [
      'häuser/1',
      'alice-upper/1',
      'x/%c',
      'x/zz',
      '$dev/x',
      'zz/1',
      'with space/1',
      'bob/1',
      'x/jürgen',
      'x/bob ',
    ],
  },
];
