// The worker's JS heap, read over the Chrome DevTools Protocol: `performance.memory` does not
// exist in workers, and measureUserAgentSpecificMemory needs cross-origin isolation.
import type { Browser, CDPSession } from 'playwright';

type TargetMessage = { sessionId: string; message: string };

async function ask(cdp: CDPSession, sessionId: string, id: number, method: string): Promise<Record<string, number>> {
  const reply = new Promise<Record<string, number>>((resolve) => {
    const listener = (event: TargetMessage) => {
      const parsed = JSON.parse(event.message) as { id?: number; result?: Record<string, number> };
      if (event.sessionId !== sessionId || parsed.id !== id) return;
      cdp.off('Target.receivedMessageFromTarget' as never, listener as never);
      resolve(parsed.result ?? {});
    };
    cdp.on('Target.receivedMessageFromTarget' as never, listener as never);
  });
  await cdp.send(
    'Target.sendMessageToTarget' as never,
    { sessionId, message: JSON.stringify({ id, method }) } as never,
  );
  return reply;
}

/** Used JS heap of every dedicated worker in the browser, after a full garbage collection, in bytes. */
export async function workerHeapBytes(browser: Browser): Promise<number> {
  const cdp = await browser.newBrowserCDPSession();
  try {
    const { targetInfos } = (await cdp.send('Target.getTargets')) as {
      targetInfos: { targetId: string; type: string }[];
    };
    let total = 0;
    for (const target of targetInfos.filter((t) => t.type === 'worker')) {
      const { sessionId } = (await cdp.send('Target.attachToTarget', {
        targetId: target.targetId,
        flatten: false,
      })) as { sessionId: string };
      await ask(cdp, sessionId, 1, 'HeapProfiler.collectGarbage');
      total += (await ask(cdp, sessionId, 2, 'Runtime.getHeapUsage')).usedSize ?? 0;
      await cdp.send('Target.detachFromTarget', { sessionId });
    }
    return total;
  } finally {
    await cdp.detach();
  }
}
