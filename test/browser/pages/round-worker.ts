// A module worker that takes part in one federated round with the real protocol code, as the
// SDK worker does: WebCrypto keys, masks and shares in the browser, fetch to the server.
import { runRound } from '../../../worker/federated/round-runner.js';
import { createIdentity } from '../../../protocol/secagg/signed-keys.js';

self.onmessage = async (event: MessageEvent<{ server: string; update: number[] }>) => {
  try {
    const outcome = await runRound({
      server: event.data.server,
      clientId: crypto.randomUUID(),
      identity: await createIdentity(),
      update: (info) =>
        Float32Array.from({ length: info.vectorLength }, (_, j) => event.data.update[j % event.data.update.length]!),
      pollMs: 50,
      timeoutMs: 60_000,
    });
    self.postMessage({ outcome });
  } catch (error) {
    self.postMessage({ error: String(error) });
  }
};
