// A @web/test-runner plugin that caps an origin's storage quota through the Chrome DevTools
// Protocol (Storage.overrideQuotaForOrigin), so a test meets a real QuotaExceededError from
// IndexedDB without filling the disk. The override lasts as long as its DevTools session, so the
// session stays attached until `quotaSize` is omitted, which lifts the cap.
export function storageQuotaPlugin() {
  const sessions = new Map();
  return {
    name: 'pocketrank-storage-quota',
    async executeCommand({ command, payload, session }) {
      if (command !== 'override-quota') return undefined;
      const page = session.browser.getPage(session.id);
      let cdp = sessions.get(session.id);
      if (!cdp) {
        cdp = await page.context().newCDPSession(page);
        sessions.set(session.id, cdp);
      }
      await cdp.send('Storage.overrideQuotaForOrigin', payload);
      if (payload.quotaSize === undefined) {
        sessions.delete(session.id);
        await cdp.detach();
      }
      return true;
    },
  };
}
