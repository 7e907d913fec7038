import type { Remote } from 'comlink';
import type { EngineApi, Outcome } from '../contract/worker-protocol.js';
import type { WorkerHost } from './worker-host.js';

/** What the page side needs of its worker host. */
export interface EngineHost {
  call<T>(op: (engine: Remote<EngineApi>) => Promise<Outcome<T>>, options?: { retry?: boolean }): Promise<T>;
  readonly restarts: number;
  close(): Promise<void>;
}

/**
 * A host still starting (the page is serving its first list meanwhile): calls wait for the
 * start, and reject with its error if it fails.
 */
export class PendingHost implements EngineHost {
  private host: WorkerHost | undefined;

  constructor(private readonly started: Promise<WorkerHost>) {
    started.then(
      (host) => (this.host = host),
      () => undefined,
    );
  }

  async call<T>(op: (engine: Remote<EngineApi>) => Promise<Outcome<T>>, options?: { retry?: boolean }): Promise<T> {
    return (await this.started).call(op, options);
  }

  get restarts(): number {
    return this.host?.restarts ?? 0;
  }

  async close(): Promise<void> {
    const host = await this.started.catch(() => undefined);
    await host?.close();
  }
}
