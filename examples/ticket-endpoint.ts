/**
 * The shop's side of admission, runnable as it is:
 *
 *   POCKETRANK_ADMISSION_KEY=$(openssl rand -base64 32) POCKETRANK_SHOP=my-shop \
 *     npx tsx examples/ticket-endpoint.ts          # listens on :8788
 *   npm run server -- --admission-key "$POCKETRANK_ADMISSION_KEY" --shop my-shop ...
 *
 * and in the page: `createRecommender({ ..., federation: { server, ticketUrl: '/pocketrank/ticket' } })`.
 * The browser's worker POSTs `{ clientId }` here with the shopper's cookies; the shop decides
 * whether this is a shopper it knows (its session cookie, its login) and answers a ticket that
 * admits that client id to one check-in within ten minutes. The key never leaves the backend.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { issueTicket, ticketKey } from '../protocol/admission/participation-ticket.js';
import { fromBase64 } from '../protocol/wire-format.js';

/**
 * How the shop recognises one of its shoppers: the shopper's session id, or undefined for a
 * request it does not know. Replace with the shop's own session or login check.
 */
export type ShopperOf = (request: IncomingMessage) => string | undefined | Promise<string | undefined>;

/** A `session` cookie stands in for a real login check here. */
const sessionCookie: ShopperOf = (request) => /(?:^|;\s*)session=([^;]+)/.exec(request.headers.cookie ?? '')?.[1];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An HTTP server answering `POST /pocketrank/ticket` with `{ ticket }` for shoppers the shop knows. */
export async function ticketEndpoint(options: {
  key: string;
  shop: string;
  shopperOf?: ShopperOf;
  ttlMs?: number;
}): Promise<Server> {
  const key = await ticketKey(fromBase64(options.key));
  const shopperOf = options.shopperOf ?? sessionCookie;
  // A client id is ticketed only for the shopper session that first asked for it, so one
  // logged-in shopper cannot get tickets for another's device. A real shop keeps this in its database.
  const owners = new Map<string, string>();
  return createServer((request, response) => {
    const answer = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(JSON.stringify(body));
    };
    if (request.method !== 'POST' || request.url !== '/pocketrank/ticket') return answer(404, { error: 'not found' });
    let raw = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      raw += chunk;
      if (raw.length > 1024) request.destroy();
    });
    request.on('end', () => {
      void (async () => {
        const shopper = await shopperOf(request);
        if (shopper === undefined) return answer(403, { error: 'not a shopper this shop knows' });
        let clientId: unknown;
        try {
          clientId = (JSON.parse(raw) as { clientId?: unknown }).clientId;
        } catch {
          return answer(400, { error: 'body must be JSON' });
        }
        if (typeof clientId !== 'string' || !UUID.test(clientId))
          return answer(400, { error: 'clientId must be a UUID' });
        if ((owners.get(clientId) ?? shopper) !== shopper)
          return answer(403, { error: "this client id belongs to another shopper's device" });
        owners.set(clientId, shopper);
        const ticket = await issueTicket(key, { clientId, shop: options.shop, ttlMs: options.ttlMs ?? 10 * 60_000 });
        answer(200, { ticket });
      })().catch(() => answer(500, { error: 'internal error' }));
    });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const key = process.env.POCKETRANK_ADMISSION_KEY;
  if (!key) throw new Error('set POCKETRANK_ADMISSION_KEY (base64 of at least 32 random bytes)');
  const server = await ticketEndpoint({ key, shop: process.env.POCKETRANK_SHOP ?? 'default' });
  const port = Number(process.env.PORT ?? 8788);
  server.listen(port, '127.0.0.1', () => console.log(`tickets at http://127.0.0.1:${port}/pocketrank/ticket`));
}
