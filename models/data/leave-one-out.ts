/** One user's leave-one-out split: the last item is the test target, the one before it validation. */
export interface UserSplit {
  user: number;
  /** Items before the validation target (what the model trains on). */
  train: number[];
  valid: number;
  test: number;
}

/** Splits every sequence with at least 3 items; shorter ones cannot be evaluated and are skipped. */
export function leaveOneOut(sequences: readonly number[][]): UserSplit[] {
  const out: UserSplit[] = [];
  sequences.forEach((seq, user) => {
    if (seq.length < 3) return;
    out.push({ user, train: seq.slice(0, -2), valid: seq[seq.length - 2]!, test: seq[seq.length - 1]! });
  });
  return out;
}

/** What a model sees when it is scored on one user: its input history and the held-out target. */
export interface EvalCase {
  user: number;
  history: number[];
  target: number;
}

/** Validation cases (history = train items) or test cases (history = train items + validation item). */
export function evalCases(splits: readonly UserSplit[], stage: 'valid' | 'test'): EvalCase[] {
  return splits.map((s) =>
    stage === 'valid'
      ? { user: s.user, history: s.train, target: s.valid }
      : { user: s.user, history: [...s.train, s.valid], target: s.test },
  );
}
