/**
 * A `pattern` topic for one client, as Mosquitto 2.0.11 builds it: every `%c` becomes the client id and,
 * when the client has a username, every `%u` becomes the username (plain text replacement, anywhere in
 * the topic). Returns undefined when the pattern holds `%u` and the client has no username: Mosquitto
 * skips such a pattern.
 */
export function expandPattern(
  topic: string,
  clientId: string,
  username: string | undefined,
): string | undefined {
  if (username === undefined && topic.includes('%u')) return undefined;
  let out = '';
  for (let i = 0; i < topic.length; i++) {
    const c = topic[i]!;
    if (c === '%' && i < topic.length - 1) {
      const next = topic[i + 1];
      if (next === 'c') {
        out += clientId;
        i++;
        continue;
      }
      if (next === 'u' && username !== undefined) {
        out += username;
        i++;
        continue;
      }
    }
    out += c;
  }
  return out;
}
