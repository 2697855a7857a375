import type { CreateVenueBody, Venue } from '../../contracts/venues.js';
import type { AuthenticatedPrincipal } from '../../platform/http/principal.js';
import { badRequest, forbidden, notFound } from '../../platform/http/problem.js';
import { canonicalVenueCode, newVenueCode } from './model.js';
import { venueQrSvg } from './qr-code.js';
import type { VenueRow, VenuesRepository } from './repository.js';

const CODE_ATTEMPTS = 5;

export class VenuesService {
  constructor(private readonly venues: VenuesRepository) {}

  /**
   * Venue owners register their venue from the app; health professionals and admins register venues on an owner's
   * behalf. Authorities see aggregates only and register none.
   */
  async register(actor: AuthenticatedPrincipal, body: CreateVenueBody): Promise<Venue> {
    if (actor.kind === 'staff' && actor.role === 'authority') throw forbidden('authorities do not register venues');
    const name = body.name.trim();
    const address = body.address?.trim() ?? null;
    if (name.length === 0) throw badRequest('body/name must not be blank');
    if (address !== null && address.length === 0) throw badRequest('body/address must not be blank');
    for (let attempt = 0; attempt < CODE_ATTEMPTS; attempt++) {
      const row: VenueRow = {
        code: newVenueCode(),
        name,
        address,
        registered_by_role: actor.kind === 'user' ? 'user' : actor.role === 'admin' ? 'admin' : 'health_professional',
        registered_by_staff: actor.kind === 'staff' ? actor.staffId : null,
        created_at: Date.now(),
      };
      if (await this.venues.insertIfNew(row)) return present(row);
    }
    throw new Error(`no free venue code after ${CODE_ATTEMPTS} attempts`);
  }

  /** Any signed-in caller may look a venue up: its name and code are printed on its door. */
  async get(code: string): Promise<Venue> {
    const row = await this.venues.find(canonicalVenueCode(code));
    if (row === undefined) throw notFound(`venue ${canonicalVenueCode(code)} does not exist`);
    return present(row);
  }
}

async function present(row: VenueRow): Promise<Venue> {
  return {
    id: row.code,
    name: row.name,
    address: row.address,
    qr_svg: await venueQrSvg(row.code),
    created_at: new Date(Number(row.created_at)).toISOString(),
  };
}
