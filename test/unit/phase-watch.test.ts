import { describe, expect, it } from 'vitest';
import { PhaseWatch } from '../../server/rounds/phase-watch.js';

describe('PhaseWatch', () => {
  it('holds at most maxHeld requests at once; past the cap a request is answered at once', async () => {
    const watch = new PhaseWatch(2);
    const read = async () => ({ phase: 'checkin' as const });
    const started = Date.now();
    const held = [watch.hold('r', ['checkin'], 5_000, read), watch.hold('r', ['checkin'], 5_000, read)];
    await expect(watch.hold('r', ['checkin'], 5_000, read)).resolves.toEqual({ phase: 'checkin' });
    expect(Date.now() - started).toBeLessThan(1_000);
    watch.close();
    await Promise.all(held);
    // Released holds free their slots.
    const again = new PhaseWatch(1);
    const first = again.hold('r', ['checkin'], 50, read);
    await first;
    const t = Date.now();
    await again.hold('r', ['checkin'], 200, read);
    expect(Date.now() - t).toBeGreaterThanOrEqual(150);
  });
});
