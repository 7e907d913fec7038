import { serverUrl } from '../../protocol/server-url.js';
import type { Phase } from '../../protocol/wire-format.js';
import type { RoundInfo } from '../../protocol/responses.js';

const RETRIES = 8;

/** The server refused a request (4xx), or kept failing (5xx after every retry): its status and answer. */
export class RoundHttpError extends Error {
  constructor(
    message: string,
    /** HTTP status of the last answer. */
    readonly status: number,
    /** The server's machine-readable code, when it gave one. */
    readonly code?: string,
  ) {
    super(message);
    this.name = 'RoundHttpError';
  }
}

/**
 * JSON over fetch to the federation server: 10 s timeouts (by default), retries with backoff (up to 2 s) on
 * network errors and 5xx so a server restart is ridden out, 4xx final. A 409 `duplicate` means
 * the server already committed this submission (our earlier try's answer was lost): accepted.
 */
export class RoundHttp {
  constructor(
    private readonly server: string,
    private readonly pollMs: number,
    private readonly deadline: number,
    private readonly requestTimeoutMs = 10_000,
    private readonly holdMs = 20_000,
  ) {}

  /** `extraTimeoutMs` on top of the request timeout is for a request the server may hold that long. */
  async call<T>(path: string, init: RequestInit = {}, extraTimeoutMs = 0): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), this.requestTimeoutMs + extraTimeoutMs);
      try {
        const response = await fetch(serverUrl(this.server, path), {
          ...init,
          signal: controller.signal,
          headers: { 'content-type': 'application/json', ...init.headers },
        });
        // A 4xx that is not the server's JSON (a wrong URL, a proxy's page) is final all the same.
        const body = (await response.json().catch((error: unknown) => {
          if (response.status >= 500 || response.ok) throw error;
          return {};
        })) as T & { error?: string; code?: string };
        if (response.ok || (response.status === 409 && body.code === 'duplicate')) return body;
        if (response.status < 500 || attempt >= RETRIES)
          throw new RoundHttpError(
            `${init.method ?? 'GET'} ${path}: ${response.status} ${body.error ?? ''}`,
            response.status,
            body.code,
          );
      } catch (error) {
        if (attempt >= RETRIES || (error instanceof RoundHttpError && error.status < 500)) throw error;
      } finally {
        clearTimeout(timer);
      }
      await new Promise((r) => setTimeout(r, Math.min(2_000, 100 * 2 ** attempt)));
    }
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>(path, { method: 'POST', body: JSON.stringify(body) });
  }

  /**
   * Waits until the round leaves `phases`. The server holds each status request until the phase
   * moves (up to holdMs); an answer that comes back sooner with the phase unchanged (a server
   * without long polls, or a proxy cutting held requests) is asked again after pollMs.
   */
  async waitWhile(round: string, phases: Phase[]): Promise<RoundInfo> {
    for (;;) {
      const hold = Math.max(0, Math.min(this.holdMs, this.deadline - Date.now()));
      const asked = Date.now();
      const info = await this.call<RoundInfo>(
        hold > 0 ? `/v1/rounds/${round}?while=${phases.join(',')}&wait=${hold}` : `/v1/rounds/${round}`,
        {},
        hold,
      );
      if (!phases.includes(info.phase)) return info;
      if (Date.now() > this.deadline) throw new Error(`round ${round} still in ${info.phase} at the client's deadline`);
      if (Date.now() - asked < hold) await new Promise((r) => setTimeout(r, this.pollMs));
    }
  }
}
