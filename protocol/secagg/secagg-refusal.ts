/**
 * A client's refusal to go on with a round whose messages fail its checks: too few survivors or
 * signatures, a survivor set other than the one it signed, a forged advertisement, a second
 * unmasking request. The client drops out, as a closed tab would, and its secrets stay secret;
 * the server completes the round without it or aborts. Kept apart from plain errors, which are bugs.
 */
export class SecAggRefusal extends Error {
  override readonly name = 'SecAggRefusal';
}
