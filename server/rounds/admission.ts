import {
  ticketKey,
  TicketError,
  verifyTicket,
  type TicketClaims,
} from '../../protocol/admission/participation-ticket.js';
import { fromBase64 } from '../../protocol/wire-format.js';
import type { AdmissionStore } from '../store/admission-store.js';
import { ProtocolError } from './protocol-error.js';
import { checkAdmission, type ServerConfig } from './server-config.js';

/**
 * Who may check in. With a shop key, only devices holding an unused ticket the shop's backend
 * signed for their client id; a client id stays pinned to the identity key it first used, and
 * only a new ticket re-pins it. With `openAdmission` (demos, tests, simulations) anyone may, and
 * a pinned key can never change, so a squatter cannot take over an id that is in use.
 */
export class Admission {
  private readonly key?: ReturnType<typeof ticketKey>;

  constructor(
    private readonly config: Pick<ServerConfig, 'openAdmission' | 'admissionKey' | 'shop'>,
    private readonly store: AdmissionStore,
  ) {
    checkAdmission(config);
    if (!config.openAdmission) this.key = ticketKey(fromBase64(config.admissionKey));
  }

  /** Checks the ticket a check-in carries (outside any transaction: it is asynchronous). */
  async ticket(clientId: string, ticket: string | undefined, now: number): Promise<TicketClaims | undefined> {
    if (!this.key) return undefined;
    if (ticket === undefined)
      throw new ProtocolError(401, 'check-in needs a participation ticket from the shop', 'ticket_required');
    try {
      return await verifyTicket(await this.key, ticket, { clientId, shop: this.config.shop, now });
    } catch (error) {
      if (error instanceof TicketError) throw new ProtocolError(403, `ticket refused: ${error.message}`, 'bad_ticket');
      throw error;
    }
  }

  /** Forgets spent tickets past their expiry. */
  async prune(now: number): Promise<void> {
    await this.store.pruneTickets(now);
  }

  /** Spends the ticket and checks or pins the identity key; inside the check-in's transaction. */
  async admit(clientId: string, identityKey: Uint8Array, claims: TicketClaims | undefined, now: number): Promise<void> {
    if (claims && !(await this.store.spendTicket(claims.nonce, claims.expiresAt)))
      throw new ProtocolError(409, 'this ticket was already used; ask the shop for a new one', 'ticket_used');
    const pinned = await this.store.pinnedKey(clientId);
    if (pinned && !Buffer.from(identityKey).equals(pinned) && !claims)
      throw new ProtocolError(403, 'this client id is pinned to another identity key', 'identity_changed');
    if (!pinned || claims) await this.store.pin(clientId, identityKey, now);
  }
}
