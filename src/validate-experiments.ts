import { PocketrankError } from '../contract/pocketrank-error.js';
import type { ArmScenario, Experiment, ExperimentArm } from '../contract/experiment-types.js';

const ID = /^[\w.-]{1,64}$/;
const CURRENCY = /^[A-Z]{3}$/;
const ARM_SCENARIOS: readonly ArmScenario[] = ['for-you', 'trending', 'recently-viewed'];
const MAX_EXPERIMENTS = 16;
const MAX_ARMS = 16;

function bad(message: string): never {
  throw new PocketrankError('invalid_argument', `experiments: ${message}`);
}

/** Checks `options.experiments` and returns a plain copy; anything malformed is `invalid_argument`. */
export function validateExperiments(raw: unknown): Experiment[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw) || raw.length > MAX_EXPERIMENTS)
    bad(`must be an array of at most ${MAX_EXPERIMENTS} experiments`);
  const ids = new Set<string>();
  return raw.map((experiment: unknown, e): Experiment => {
    const { id, arms, currency } = (experiment ?? {}) as Partial<Experiment>;
    if (typeof id !== 'string' || !ID.test(id))
      bad(`experiment ${e} needs an id of 1 to 64 letters, digits, '.', '_' or '-'; got ${JSON.stringify(id)}`);
    if (ids.has(id)) bad(`the id "${id}" is used twice`);
    ids.add(id);
    if (!Array.isArray(arms) || arms.length < 2 || arms.length > MAX_ARMS)
      bad(`"${id}" needs from 2 to ${MAX_ARMS} arms`);
    const names = new Set<string>();
    const checked = arms.map((arm: unknown, a): ExperimentArm => {
      const { name, weight, scenario } = (arm ?? {}) as Partial<ExperimentArm>;
      if (typeof name !== 'string' || !ID.test(name))
        bad(`arm ${a} of "${id}" needs a name of 1 to 64 letters, digits, '.', '_' or '-'`);
      if (names.has(name)) bad(`"${id}" has two arms named "${name}"`);
      names.add(name);
      if (weight !== undefined && !(typeof weight === 'number' && Number.isFinite(weight) && weight >= 0))
        bad(`arm "${name}" of "${id}" needs a finite weight >= 0; got ${String(weight)}`);
      if (scenario !== undefined && !ARM_SCENARIOS.includes(scenario))
        bad(`arm "${name}" of "${id}" may serve ${ARM_SCENARIOS.join(', ')}; got ${JSON.stringify(scenario)}`);
      return { name, ...(weight !== undefined && { weight }), ...(scenario !== undefined && { scenario }) };
    });
    if (!checked.some((arm) => (arm.weight ?? 1) > 0)) bad(`"${id}" has no arm with a weight above 0`);
    if (currency !== undefined && !(typeof currency === 'string' && CURRENCY.test(currency)))
      bad(`"${id}" needs a currency of three capital letters (ISO 4217, e.g. "EUR"); got ${JSON.stringify(currency)}`);
    return { id, arms: checked, ...(currency !== undefined && { currency }) };
  });
}
