import { describe, expect, it } from 'vitest';
import { federatedPartOf } from '../../server/rounds/initial-model.js';
import { readConfig } from '../../server/rounds/server-config.js';

const FIXTURE = 'test/fixtures/generated/model/model.json';

describe("--dp-coordinates: a DP server federates only the model's public dpCoordinates", () => {
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

  it('client weighting: flags, and no weight above 1 with DP noise', () => {
    expect(readConfig(['--weight-examples', '6.5', '--weight-cap', '4'], {})).toMatchObject({
      weightExamples: 6.5,
      weightCap: 4,
    });
    expect(readConfig([], { POCKETRANK_WEIGHT_EXAMPLES: '6' }).weightCap).toBe(1);
    expect(() => readConfig(['--weight-cap', '2', '--noise-multiplier', '0.5'], {})).toThrow(/weightCap must be <= 1/);
    expect(() => readConfig(['--weight-examples', '-1'], {})).toThrow(/weightExamples/);
  });
});
