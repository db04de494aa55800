import type { BrokerEvent, BrokerEventInput } from './events.js';

/** The broker's structured log: numbered, timestamped, kept in a ring and pushed to a listener. */
export class EventLog {
  private readonly ring: BrokerEvent[] = [];
  private seq = 0;

  constructor(
    private readonly onEvent: ((event: BrokerEvent) => void) | undefined,
    private readonly size = 1000,
  ) {}

  emit(input: BrokerEventInput): BrokerEvent {
    const event: BrokerEvent = { seq: ++this.seq, time: new Date().toISOString(), ...input };
    this.ring.push(event);
    if (this.ring.length > this.size) this.ring.shift();
    try {
      this.onEvent?.(event);
    } catch {
      // a listener's failure must not break the broker
    }
    return event;
  }

  recent(): BrokerEvent[] {
    return [...this.ring];
  }
}
