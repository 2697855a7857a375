import type { CreateVenueBody, Venue } from '../../contracts/venues.js';
import type { AuthenticatedPrincipal } from '../../platform/http/principal.js';
import { badRequest, forbidden, HttpProblem, notFound } from '../../platform/http/problem.js';
import { canonicalVenueCode, newVenueCode, type VenueOwner, venueDuplicateKey } from './model.js';
import { venueQrSvg } from './qr-code.js';
import type { VenueRow, VenuesRepository } from './repository.js';

const CODE_ATTEMPTS = 5;

export class VenuesService {
  /** @param duplicateKey the key owners' venues are hashed under for duplicate detection (deriveVenueDuplicateKey). */
  constructor(
    private readonly venues: VenuesRepository,
    private readonly duplicateKey: Buffer,
  ) {}

  /**
   * Venue owners register their venue from the app; health professionals and admins register venues on an owner's
   * behalf. Authorities see aggregates only and register none. The same caller registering a venue with the same
   * name and address again is answered 409 with the venue they have, unless they ask for a second one.
   */
  async register(actor: AuthenticatedPrincipal, body: CreateVenueBody): Promise<Venue> {
    if (actor.kind === 'staff' && actor.role === 'authority') throw forbidden('authorities do not register venues');
    const name = body.name.trim();
    const address = body.address?.trim() ?? null;
    if (name.length === 0) throw badRequest('body/name must not be blank');
    if (address !== null && address.length === 0) throw badRequest('body/address must not be blank');
    const owner: VenueOwner =
      actor.kind === 'user' ? { kind: 'user', id: actor.userId } : { kind: 'staff', id: actor.staffId };
    const duplicateKey = venueDuplicateKey(this.duplicateKey, owner, name, address);
    if (body.allow_duplicate !== true) {
      const existing = await this.venues.findByDuplicateKey(duplicateKey);
      if (existing !== undefined) throw await duplicateOf(existing);
    }
    for (let attempt = 0; attempt < CODE_ATTEMPTS; attempt++) {
      const row: VenueRow = {
        code: newVenueCode(),
        name,
        address,
        registered_by_role: actor.kind === 'user' ? 'user' : actor.role === 'admin' ? 'admin' : 'health_professional',
        registered_by_staff: actor.kind === 'staff' ? actor.staffId : null,
        created_at: Date.now(),
        duplicate_key: duplicateKey,
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

/** 409: the caller's venue with this name and address, offered instead of a second one. */
async function duplicateOf(existing: VenueRow): Promise<HttpProblem> {
  return new HttpProblem(
    409,
    'Conflict',
    `you already registered this venue (code ${existing.code}); send allow_duplicate: true to register a second one`,
    { existing_venue: await present(existing) },
  );
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
