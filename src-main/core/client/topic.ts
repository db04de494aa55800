import { topicMatchesFilter } from '../acl/topic-filter.js';
import { UserError } from '../user-error.js';

/** MQTT limits a topic (name or filter) to 65535 bytes of UTF-8 and forbids U+0000. */
function checkCommon(topic: string, field: string, what: string): void {
  if (topic.length === 0) throw new UserError(`${field}: the ${what} is empty`, 'BAD_TOPIC', { field });
  if (topic.includes('\u0000')) {
    throw new UserError(`${field}: the ${what} contains a NUL character`, 'BAD_TOPIC', { field });
  }
  if (Buffer.byteLength(topic, 'utf8') > 65535) {
    throw new UserError(`${field}: the ${what} is longer than 65535 bytes`, 'BAD_TOPIC', { field });
  }
}

/** A topic one may publish to: no wildcards. */
export function checkTopicName(topic: string, field = 'topic'): string {
  checkCommon(topic, field, 'topic');
  if (topic.includes('+') || topic.includes('#')) {
    throw new UserError(
      `${field}: "${topic}" contains a wildcard (+ or #); a message is published to one exact topic`,
      'BAD_TOPIC',
      { field },
    );
  }
  return topic;
}

/** A subscription filter: "+" fills one whole level, "#" only as the whole last level. */
export function checkTopicFilter(filter: string, field = 'filter'): string {
  checkCommon(filter, field, 'topic filter');
  const levels = filter.split('/');
  levels.forEach((level, index) => {
    if (level.includes('#') && (level !== '#' || index !== levels.length - 1)) {
      throw new UserError(
        `${field}: "${filter}" — "#" must be a whole level and the last one (e.g. "sensors/#")`,
        'BAD_TOPIC',
        { field },
      );
    }
    if (level.includes('+') && level !== '+') {
      throw new UserError(
        `${field}: "${filter}" — "+" must fill a whole level (e.g. "sensors/+/temp")`,
        'BAD_TOPIC',
        {
          field,
        },
      );
    }
  });
  return filter;
}

/**
 * Does `topic` match the MQTT filter `filter`? The ACL module's matcher (checked against Mosquitto):
 * wildcards at the first level do not match topics that start with "$" (MQTT 3.1.1 section 4.7.2).
 */
export const topicMatches: (filter: string, topic: string) => boolean = topicMatchesFilter;

/** True when the text uses MQTT wildcards (so it should be matched as a filter, not as a substring). */
export function isWildcardFilter(text: string): boolean {
  return text.includes('+') || text.includes('#');
}
