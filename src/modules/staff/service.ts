import { randomUUID } from 'node:crypto';
import { decoyPasswordHash, hashPassword, verifyPassword } from '../../platform/crypto/passwords.js';
import type { StaffTokens } from '../../platform/crypto/staff-tokens.js';
import type { Row, StaffRole } from '../../platform/db/tables.js';
import { conflict, unauthorized } from '../../platform/http/problem.js';
import type { CreateStaffBody, LoginBody, StaffMember } from '../../contracts/staff.js';
import { UsernameTaken, type StaffRepository } from './repository.js';

export class StaffService {
  constructor(
    private readonly staff: StaffRepository,
    private readonly tokens: StaffTokens,
  ) {}

  async create(body: CreateStaffBody): Promise<StaffMember> {
    if (await this.staff.findByUsername(body.username)) throw conflict(`username "${body.username}" is taken`);
    const passwordHash = await hashPassword(body.password);
    try {
      const row = await this.staff.insert({
        id: randomUUID(),
        username: body.username,
        password_hash: passwordHash,
        role: body.role,
        created_at: Date.now(),
      });
      return present(row);
    } catch (error) {
      // Another request created the same username while this one was hashing the password.
      if (error instanceof UsernameTaken) throw conflict(`username "${body.username}" is taken`);
      throw error;
    }
  }

  async login(
    body: LoginBody,
  ): Promise<{ token: string; token_type: 'Bearer'; expires_in: number; staff_id: string; role: StaffRole }> {
    const row = await this.staff.findByUsername(body.username);
    // Spend the same time on an unknown username as on a wrong password.
    const valid = await verifyPassword(body.password, row?.password_hash ?? (await decoyPasswordHash()));
    if (row === undefined || !valid || row.disabled !== 0) throw unauthorized('unknown username or wrong password');
    return {
      token: this.tokens.issue({ sub: row.id, role: row.role }),
      token_type: 'Bearer',
      expires_in: this.tokens.ttlSeconds,
      staff_id: row.id,
      role: row.role,
    };
  }

  activeRole(id: string): Promise<StaffRole | null> {
    return this.staff.activeRole(id);
  }

  /** How many staff accounts exist (the start-up banner says when there is none yet). */
  count(): Promise<number> {
    return this.staff.count();
  }

  async list(): Promise<StaffMember[]> {
    return (await this.staff.list()).map(present);
  }
}

function present(row: Row<'staff'>): StaffMember {
  return {
    id: row.id,
    username: row.username,
    role: row.role,
    created_at: new Date(row.created_at).toISOString(),
    disabled: row.disabled !== 0,
  };
}
