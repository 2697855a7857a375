import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { EventBus } from '../../platform/bus/event-bus.js';
import { DOMAIN_EVENTS_CHANNEL, type DomainEvent } from '../../platform/bus/domain-events.js';
import { newAppToken, hashAppToken } from '../../platform/crypto/app-tokens.js';
import type { FieldCipher } from '../../platform/crypto/field-cipher.js';
import type { Row } from '../../platform/db/tables.js';
import type { AuthenticatedPrincipal } from '../../platform/http/principal.js';
import { notFound } from '../../platform/http/problem.js';
import type { CreateUserBody, CreatedUser, User } from '../../contracts/users.js';
import type { AccessService } from '../access/service.js';
import type { UsersRepository } from './repository.js';

const fieldContext = (userId: string, column: string) => `users.${column}:${userId}`;

export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly cipher: FieldCipher,
    private readonly access: AccessService,
    private readonly bus: EventBus,
    private readonly log: FastifyBaseLogger,
  ) {}

  async register(body: CreateUserBody): Promise<CreatedUser> {
    const id = randomUUID();
    const token = newAppToken();
    const row = {
      id,
      name: body.name === undefined ? null : this.cipher.encrypt(body.name, fieldContext(id, 'name')),
      contact_info:
        body.contact_info === undefined
          ? null
          : this.cipher.encrypt(body.contact_info, fieldContext(id, 'contact_info')),
      created_at: Date.now(),
    };
    await this.users.insertWithToken(row, hashAppToken(token));
    return { ...this.present(row), token };
  }

  async get(actor: AuthenticatedPrincipal, rawId: string, requestId: string): Promise<User> {
    // UUIDs are case-insensitive on input (RFC 9562); every stored id is lower-case.
    const id = rawId.toLowerCase();
    await this.access.assertMay(actor, id, 'read', 'users.read', requestId);
    const row = await this.users.findById(id);
    if (row === undefined) throw notFound(`user ${id} does not exist`);
    return this.present(row);
  }

  async erase(actor: AuthenticatedPrincipal, rawId: string, requestId: string): Promise<void> {
    const id = rawId.toLowerCase();
    await this.access.assertMay(actor, id, 'erase', 'users.erase', requestId);
    const erased = await this.users.erase(id);
    if (erased === null) throw notFound(`user ${id} does not exist`);
    if (erased.caseDates.length === 0 && erased.notifiedAt.length === 0) return;
    const event: DomainEvent = {
      type: 'person.erased',
      case_dates: erased.caseDates,
      notified_at: erased.notifiedAt,
      at: new Date().toISOString(),
    };
    await this.bus
      .publish(DOMAIN_EVENTS_CHANNEL, event)
      .catch((error: unknown) =>
        this.log.warn({ err: error }, 'erasure event not published; analytics catch up at their next start'),
      );
  }

  userForTokenHash(hash: string): Promise<string | null> {
    return this.users.userForTokenHash(hash);
  }

  private present(row: Row<'users'>): User {
    return {
      id: row.id,
      name: row.name === null ? null : this.cipher.decrypt(row.name, fieldContext(row.id, 'name')),
      contact_info:
        row.contact_info === null ? null : this.cipher.decrypt(row.contact_info, fieldContext(row.id, 'contact_info')),
      created_at: new Date(row.created_at).toISOString(),
    };
  }
}
