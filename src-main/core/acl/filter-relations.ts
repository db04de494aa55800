/**
 * How two valid topic filters relate, for lint: does one cover the other (every topic matching `inner`
 * matches `outer`), and can they match a common topic? Both follow topicMatchesFilter: `+` is one level,
 * `#` the rest including the parent, and wildcards in the first level never match `$` topics.
 */

const isWild = (level: string) => level === '+' || level === '#';

/** True when every topic `inner` matches is also matched by `outer`. */
export function filterCovers(outer: string, inner: string): boolean {
  const a = outer.split('/');
  const b = inner.split('/');
  if (isWild(a[0]!) && !isWild(b[0]!) && b[0]!.startsWith('$')) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    if (x === '#') return true;
    if (i >= b.length) return false;
    const y = b[i]!;
    if (y === '#') return false;
    if (x === '+') continue;
    if (y === '+' || x !== y) return false;
  }
  return a.length === b.length;
}

/** True when some topic matches both filters. */
export function filtersOverlap(f1: string, f2: string): boolean {
  const a = f1.split('/');
  const b = f2.split('/');
  const dollar = (level: string) => !isWild(level) && level.startsWith('$');
  if ((isWild(a[0]!) && dollar(b[0]!)) || (isWild(b[0]!) && dollar(a[0]!))) return false;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (x === '#' || y === '#') return true;
    if (x === undefined || y === undefined) {
      // One filter ended: they still meet if the other only has `#` left (it matches the parent).
      const rest = (x === undefined ? b : a).slice(i);
      return rest.length === 1 && rest[0] === '#';
    }
    if (x === '+' || y === '+') continue;
    if (x !== y) return false;
  }
  return true;
}
