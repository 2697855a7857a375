import type { AuthenticatedPrincipal } from '../../platform/http/principal.js';
import { forbidden } from '../../platform/http/problem.js';
import type { AuditService } from '../audit/service.js';
import { mayAccessPerson, type PersonalDataAction } from './policy.js';

/** What the access policy needs to know of the cases module. */
export interface CaseManagementFacts {
  /** The person has a case this professional manages, or is a traced contact of one. */
  isPersonManagedBy(userId: string, staffId: string): Promise<boolean>;
}

/** Enforces the access policy for a person's data and audits every access by someone else. */
export class AccessService {
  constructor(
    private readonly cases: CaseManagementFacts,
    private readonly audit: AuditService,
  ) {}

  async assertMay(
    actor: AuthenticatedPrincipal,
    subjectUserId: string,
    action: PersonalDataAction,
    auditAction: string,
    requestId: string,
  ): Promise<void> {
    const needsFacts = actor.kind === 'staff' && actor.role === 'health_professional';
    const managesPerson = needsFacts ? await this.cases.isPersonManagedBy(subjectUserId, actor.staffId) : false;
    if (!mayAccessPerson(actor, subjectUserId, action, { managesPerson })) {
      throw forbidden(
        actor.kind === 'user'
          ? 'an app user may only access their own data'
          : `this account may not ${action} this person's data`,
      );
    }
    await this.audit.recordAccess(actor, auditAction, subjectUserId, requestId);
  }
}
