import { randomUUID } from 'node:crypto';
import type { AuthenticatedPrincipal } from '../../platform/http/principal.js';
import { roleOf } from '../../platform/http/principal.js';
import type { AuditRepository } from './repository.js';

export class AuditService {
  constructor(private readonly audit: AuditRepository) {}

  /** Records a read or change of a person's data by someone other than that person. */
  async recordAccess(actor: AuthenticatedPrincipal, action: string, subjectUserId: string, requestId: string | null): Promise<void> {
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
    });
  }
}
