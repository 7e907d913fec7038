import { describe, expect, it } from 'vitest';
import { federatedPartOf } from '../../server/rounds/initial-model.js';
import { readConfig } from '../../server/rounds/server-config.js';

const FIXTURE = 'test/fixtures/generated/model/model.json';

describe('--dp-coordinates: a DP server federates only the model\'s public dpCoordinates', () => {
  it('takes version 1 from exactly those positions of the whole federated part', async () => {
    const whole = await federatedPartOf(FIXTURE);
    const narrow = await federatedPartOf(FIXTURE, { dpCoordinates: true });
    // The fixture lists every fourth position.
    expect(narrow.length).toBe(Math.ceil(whole.length / 4));
    narrow.forEach((v, i) => expect(v).toBe(whole[i * 4]));
  });

  it('is a true/false flag and needs an initial model', () => {
    expect(readConfig(['--dp-coordinates', 'true', '--initial-model', FIXTURE], {}).dpCoordinates).toBe(true);
    expect(readConfig([], { POCKETRANK_DP_COORDINATES: 'false' }).dpCoordinates).toBe(false);
    expect(() => readConfig(['--dp-coordinates', 'yes', '--initial-model', FIXTURE], {})).toThrow(/true or false/);
    expect(() => readConfig(['--dp-coordinates', 'true'], {})).toThrow(/initialModel/);
  });
});
