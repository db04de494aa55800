import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';

/**
 * The patches that lower the broker's CPU per QoS 1 message (patches/*+03N+*, session 5 "qos1"): each
 * leaves every answer as it was — the first test of each says so — and takes out one per-message cost,
 * which the second test catches when it comes back. What they save is measured by bench/broker-compare.js
 * (README). The earlier ones are in per-message-cost-patches.test.ts.
 */
const require = createRequire(import.meta.url);
// aedes' in-memory persistence and the qlobber trie it keeps subscriptions in (neither is ours)
const fromPersistence = createRequire(require.resolve('aedes-persistence'));
const memory = require('aedes-persistence') as () => Persistence;
const QlobberSub = fromPersistence('qlobber/aedes/qlobber-sub') as { prototype: { match: () => unknown } };

interface Sub {
  topic: string;
  qos: number;
}
interface Persistence {
  setup(broker: unknown): Promise<void>;
  addSubscriptions(client: { id: string }, subs: Sub[]): Promise<void>;
  removeSubscriptions(client: { id: string }, topics: string[]): Promise<void>;
  subscriptionsByTopic(topic: string): Promise<(Sub & { clientId: string })[]>;
}

describe('aedes-persistence 030: no topic match without a stored subscription', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  async function persistence(): Promise<Persistence> {
    const p = memory();
    await p.setup({ id: 'test-broker' });
    return p;
  }

  it('finds the stored QoS 1 subscriptions of a topic as before, and none once they are gone', async () => {
    const p = await persistence();
    expect(await p.subscriptionsByTopic('a/b')).toEqual([]);
    await p.addSubscriptions({ id: 'c1' }, [
      { topic: 'a/#', qos: 1 },
      { topic: 'z/+', qos: 0 }, // QoS 0: never stored in the trie (not queued while away)
    ]);
    await p.addSubscriptions({ id: 'c2' }, [{ topic: 'a/b', qos: 2 }]);
    const found = await p.subscriptionsByTopic('a/b');
    expect(found.map(({ clientId, topic, qos }) => ({ clientId, topic, qos }))).toEqual(
      expect.arrayContaining([
        { clientId: 'c1', topic: 'a/#', qos: 1 },
        { clientId: 'c2', topic: 'a/b', qos: 2 },
      ]),
    );
    expect(found).toHaveLength(2);
    expect(await p.subscriptionsByTopic('z/y')).toEqual([]);
    await p.removeSubscriptions({ id: 'c1' }, ['a/#', 'z/+']);
    await p.removeSubscriptions({ id: 'c2' }, ['a/b']);
    expect(await p.subscriptionsByTopic('a/b')).toEqual([]);
  });

  it('splits and walks no topic while no subscription is stored', async () => {
    const p = await persistence();
    const match = vi.spyOn(QlobberSub.prototype, 'match');
    expect(await p.subscriptionsByTopic('bench/x/1')).toEqual([]);
    expect(match).not.toHaveBeenCalled();
    await p.addSubscriptions({ id: 'c1' }, [{ topic: 'bench/#', qos: 1 }]);
    expect(await p.subscriptionsByTopic('bench/x/1')).toHaveLength(1);
    expect(match).toHaveBeenCalledTimes(1);
    await p.removeSubscriptions({ id: 'c1' }, ['bench/#']);
    expect(await p.subscriptionsByTopic('bench/x/1')).toEqual([]);
    expect(match).toHaveBeenCalledTimes(1);
  });
});
