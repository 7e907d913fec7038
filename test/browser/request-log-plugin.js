// Records every request the test server receives (method, URL, headers), and hands the log to a
// test through the `request-log` command (which empties it): a privacy audit of what the page
// and its worker send. Every request of a test page reaches this server (nothing else is reachable
// but the test's own federation and CDN servers), so a query absent here never left the browser.
const log = [];

/** Koa middleware: put first, so every request is recorded whatever answers it. */
export async function requestLog(context, next) {
  log.push({ method: context.method, url: context.url, headers: { ...context.headers } });
  return next();
}

export function requestLogPlugin() {
  return {
    name: 'pocketrank-request-log',
    executeCommand({ command }) {
      if (command !== 'request-log') return undefined;
      return log.splice(0);
    },
  };
}
