/**
 * Syntax highlighting for the raw ACL editor: one line of HTML per line of text, split into words the
 * way Mosquitto does (spaces only; a tab stays inside a word and is shown). Errors come from the core's
 * analysis, not from here.
 */
function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function plain(s: string, cls?: string): string {
  const body = esc(s).replace(/\t/g, '<span class="tab">\t</span>');
  return cls ? `<span class="${cls}">${body}</span>` : body;
}

function topic(s: string): string {
  return s
    .split(/(%[uc])/)
    .map((part) =>
      part === '%u' || part === '%c' ? `<span class="ph">${part}</span>` : plain(part, 'topic'),
    )
    .join('');
}

const ACCESS = new Set(['read', 'write', 'readwrite', 'deny']);

export function highlightLine(raw: string): string {
  const line = raw.replace(/\r$/, '');
  if (line.startsWith('#')) return plain(line, 'comment');
  const m = /^( *)([^ ]+)(.*)$/.exec(line);
  if (!m) return plain(line);
  const [, lead, word, rest] = m as unknown as [string, string, string, string];
  if (word === 'topic' || word === 'pattern') {
    const r = /^( +)([^ ]+)(?:( +)(.*))?$/.exec(rest);
    if (!r) return lead + plain(word, 'kw') + plain(rest);
    const [, s1, first, s2, tail] = r as unknown as [
      string,
      string,
      string,
      string | undefined,
      string | undefined,
    ];
    if (s2 !== undefined && tail !== undefined && tail !== '') {
      const cls = first === 'deny' ? 'deny' : ACCESS.has(first) ? 'access' : 'bad';
      return lead + plain(word, 'kw') + s1 + plain(first, cls) + s2 + topic(tail);
    }
    return lead + plain(word, 'kw') + s1 + topic(first) + esc(s2 ?? '');
  }
  if (word === 'user') return lead + plain(word, 'kw') + plain(rest, 'user');
  return lead + plain(word + rest, 'bad');
}
