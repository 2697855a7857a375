import { randomUUID } from 'node:crypto';
import type { AuthenticatedPrincipal } from '../../platform/http/principal.js';
import { roleOf } from '../../platform/http/principal.js';
import type { AuditRepository } from './repository.js';

export class AuditService {
  constructor(private readonly audit: AuditRepository) {}

  /**
   * Records a read or change of a person's data by someone other than that person; `detail`: why, for a change (e.g.
   * the reason a professional gave for correcting a case).
   */
  async recordAccess(
    actor: AuthenticatedPrincipal,
    action: string,
    subjectUserId: string,
    requestId: string | null,
    detail: string | null = null,
  ): Promise<void> {
    if (actor.kind === 'user' && actor.userId === subjectUserId) return;
    await this.audit.insert({
      id: randomUUID(),
      at: Date.now(),
      actor_kind: actor.kind,
      actor_id: actor.kind === 'user' ? actor.userId : actor.staffId,
      actor_role: roleOf(actor),
      action,
      subject_user_id: subjectUserId,
      request_id: requestId,
      detail,
    });
  }

  /** Records a staff action that reads no one person's data (e.g. a list of exposure sites). */
  async recordAction(
    actor: AuthenticatedPrincipal & { kind: 'staff' },
    action: string,
    requestId: string | null,
    at: number = Date.now(),
  ): Promise<void> {
    await this.audit.insert({
      id: randomUUID(),
      at,
      actor_kind: 'staff',
      actor_id: actor.staffId,
      actor_role: actor.role,
      action,
      subject_user_id: null,
      request_id: requestId,
    });
  }
}
