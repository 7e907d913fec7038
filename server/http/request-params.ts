import type { z } from 'zod';
import { type Phase, PHASES } from '../../protocol/messages.js';
import { MAX_HOLD_MS } from '../rounds/phase-watch.js';
import { ProtocolError } from '../rounds/protocol-error.js';

/** Parses a body against a schema; a failure is a 400 naming the first bad field. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ProtocolError(400, `invalid request: ${issue.path.join('.') || 'body'} ${issue.message}`);
  }
  return result.data;
}

/** The query parameters a route reads, each given at most once (a repeated key parses as an array). */
export type Query = Record<string, string | string[] | undefined>;

/** One query parameter's value: a key given twice is a 400, not an array handed to string code. */
export function queryValue(query: Query, name: string): string | undefined {
  const value = query[name];
  if (value === undefined || typeof value === 'string') return value;
  throw new ProtocolError(400, `invalid request: query parameter ${name} is given more than once`);
}

/** A client index from a path or query string; anything but a positive decimal integer is a 400. */
export function indexParam(raw: string | undefined, name = 'index'): number {
  if (raw === undefined || !/^[1-9][0-9]{0,5}$/.test(raw))
    throw new ProtocolError(
      400,
      `invalid request: ${name} must be a positive integer; got "${String(raw).slice(0, 20)}"`,
    );
  return Number(raw);
}

/** `?index=` when present: the optional neighbourhood filter of the listing routes. */
export const optionalIndex = (query: Query): number | undefined => {
  const raw = queryValue(query, 'index');
  return raw === undefined ? undefined : indexParam(raw);
};

/** A model version from the path: decimal digits only (no `0x1`, `1e0`, `01`). */
export function versionParam(raw: string): number {
  if (!/^[1-9][0-9]{0,9}$/.test(raw)) throw new ProtocolError(404, `no model version ${raw.slice(0, 20)}`);
  return Number(raw);
}

/**
 * `?while=<phase>,<phase>&wait=<ms>` of a round's status: answer once the round has left those
 * phases, holding the request up to `wait` (default and cap MAX_HOLD_MS). Undefined: answer now.
 */
export function holdParams(query: Query): { phases: Phase[]; holdMs: number } | undefined {
  const phasesParam = queryValue(query, 'while');
  const wait = queryValue(query, 'wait');
  if (phasesParam === undefined) return undefined;
  const phases = phasesParam.split(',');
  const unknown = phases.find((p) => !(PHASES as readonly string[]).includes(p));
  if (unknown !== undefined)
    throw new ProtocolError(
      400,
      `invalid request: while names no phase "${unknown.slice(0, 20)}"; phases are ${PHASES.join(', ')}`,
    );
  if (wait !== undefined && !/^[0-9]{1,9}$/.test(wait))
    throw new ProtocolError(
      400,
      `invalid request: wait must be milliseconds, a non-negative integer; got "${wait.slice(0, 20)}"`,
    );
  return { phases: phases as Phase[], holdMs: wait === undefined ? MAX_HOLD_MS : Number(wait) };
}
