import type { AclAnswer } from '../acl/index.js';

/** Cached decisions per connection stay small; a client cycling through topics just recomputes. */
const CACHE_LIMIT = 2048;

/**
 * One connection's ACL decisions for one access (read or write), topic → answer. The last topic asked is
 * kept beside the map: a client mostly publishes to (and receives) the same topics again, and comparing
 * with the last topic spares hashing each message's fresh topic string for the map lookup.
 */
export class AclDecisionCache {
  private readonly decisions = new Map<string, AclAnswer>();
  private lastTopic: string | undefined = undefined;
  private lastAnswer: AclAnswer | undefined = undefined;

  get(topic: string): AclAnswer | undefined {
    if (topic === this.lastTopic) return this.lastAnswer;
    const answer = this.decisions.get(topic);
    if (answer !== undefined) {
      this.lastTopic = topic;
      this.lastAnswer = answer;
    }
    return answer;
  }

  set(topic: string, answer: AclAnswer): void {
    if (this.decisions.size >= CACHE_LIMIT) this.decisions.clear();
    this.decisions.set(topic, answer);
    this.lastTopic = topic;
    this.lastAnswer = answer;
  }

  clear(): void {
    this.decisions.clear();
    this.lastTopic = undefined;
    this.lastAnswer = undefined;
  }

  get size(): number {
    return this.decisions.size;
  }
}
