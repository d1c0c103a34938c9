import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RestartPolicy } from '../restart';

function policy(): { policy: RestartPolicy; advance: (ms: number) => void } {
  let now = 1_000_000;
  const p = new RestartPolicy({ maxRestarts: 3, windowMs: 60_000, initialDelayMs: 100, maxDelayMs: 300 }, () => now);
  return { policy: p, advance: (ms) => (now += ms) };
}

describe('restart policy', () => {
  it('backs off exponentially up to the cap', () => {
    const { policy: p, advance } = policy();
    const delays = [1, 2, 3].map(() => {
      advance(10);
      const d = p.onCrash();
      assert.equal(d.action, 'restart');
      return d.action === 'restart' ? d.delayMs : -1;
    });
    assert.deepEqual(delays, [100, 200, 300]);
  });

  it('gives up after maxRestarts crashes within the window and says what to do', () => {
    const { policy: p } = policy();
    [1, 2, 3].forEach(() => assert.equal(p.onCrash().action, 'restart'));
    const decision = p.onCrash();
    assert.equal(decision.action, 'giveUp');
    assert.match(decision.message, /crashed 4 times in 1 minute/);
    assert.match(decision.message, /ParserCraft: Restart Server/);
  });

  it('forgets crashes older than the window', () => {
    const { policy: p, advance } = policy();
    [1, 2, 3].forEach(() => p.onCrash());
    advance(60_001);
    const decision = p.onCrash();
    assert.deepEqual(decision.action === 'restart' && [decision.attempt, decision.delayMs], [1, 100]);
  });

  it('starts over after a restart the user asked for', () => {
    const { policy: p } = policy();
    [1, 2, 3].forEach(() => p.onCrash());
    p.reset();
    assert.equal(p.recentCrashes, 0);
    assert.equal(p.onCrash().action, 'restart');
  });
});
