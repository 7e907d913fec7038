import type { ChildProcess } from 'node:child_process';

/** A loopback port nobody listens on right now. */
export function freePort(): Promise<number>;
/** Resolves with the first OK response from `url`, polling every `intervalMs`; rejects after `timeoutMs`. */
export function waitForOk(url: string, timeoutMs: number, intervalMs?: number): Promise<Response>;
/** Runs `server/main.ts` with `flags` on `port` (a free one when omitted); resolves once /health answers. */
export function startServerProcess(
  flags: string[],
  options?: { port?: number; timeoutMs?: number },
): Promise<{ url: string; child: ChildProcess }>;
