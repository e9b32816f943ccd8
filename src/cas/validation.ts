// The rules of ticket validation (CAS 3.0 §2.5–2.7), without HTTP: the ticket is burned first, then every check
// runs, and any failure is a CasError with the spec's code and a description an integrator can act on.
import type { CasService } from '../config/cas-services.ts';
import type { AccountService, UserRecord } from '../services/accounts.ts';
import { CasError } from './errors.ts';
import type { ServiceRegistry } from './registry.ts';
import { ticketKind, type ServiceTicket, type TicketStore } from './tickets.ts';

export interface ValidationRequest {
  service: string | undefined;
  ticket: string | undefined;
  renew: boolean;
  /** proxyValidate accepts PTs as well as STs; serviceValidate only STs. */
  acceptProxyTickets: boolean;
}

export interface Validated {
  user: UserRecord;
  ticket: ServiceTicket;
  service: CasService;
}

export function createTicketValidator(deps: { tickets: TicketStore; registry: ServiceRegistry; accounts: AccountService }) {
  return async function validate(request: ValidationRequest): Promise<Validated> {
    const { service, ticket: ticketId } = request;
    if (!service || !ticketId) throw new CasError('INVALID_REQUEST', 'Both "service" and "ticket" are required');
    const shown = ticketId.slice(0, 64);
    const kind = ticketKind(ticketId);
    if (kind !== 'ST' && kind !== 'PT') {
      throw new CasError('INVALID_TICKET_SPEC', `Ticket '${shown}' is not a service or proxy ticket`);
    }
    // Burned before anything else is checked: a ticket is good for exactly one validation attempt.
    const ticket = await deps.tickets.takeServiceTicket(ticketId);
    if (kind === 'PT' && !request.acceptProxyTickets) {
      throw new CasError('INVALID_TICKET_SPEC', `Proxy ticket '${shown}' must be validated at /proxyValidate`);
    }
    if (!ticket) throw new CasError('INVALID_TICKET', `Ticket '${shown}' not recognized (unknown, used or expired)`);
    if (ticket.service !== service) {
      throw new CasError('INVALID_SERVICE', `Ticket '${shown}' was not issued for this service; it is no longer valid`);
    }
    if (request.renew && !ticket.fromNewLogin) {
      throw new CasError('INVALID_TICKET', `Ticket '${shown}' did not come from a new login, but renew=true was requested`);
    }
    const registered = deps.registry.match(service);
    if (!registered || registered.id !== ticket.serviceId) {
      throw new CasError('INVALID_SERVICE', 'The service is not (or no longer) registered with this server');
    }
    const user = await deps.accounts.findById(ticket.userId);
    if (!user || user.status !== 'active') throw new CasError('INVALID_TICKET', 'The account behind this ticket is no longer active');
    return { user, ticket, service: registered };
  };
}

export type TicketValidator = ReturnType<typeof createTicketValidator>;
