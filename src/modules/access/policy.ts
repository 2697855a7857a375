import type { AuthenticatedPrincipal } from '../../platform/http/principal.js';

export type PersonalDataAction = 'read' | 'erase' | 'write';

export interface AccessFacts {
  /** The staff member manages a case of this person, or a case this person is a traced contact of. */
  readonly managesPerson: boolean;
}

/**
 * Who may touch one person's data. App users: their own only. Health professionals: read the people
 * whose cases they manage. Authorities: aggregates only, never a person. Admins: erase on request.
 * Laboratories: issue verification codes only, never a person's data.
 */
export function mayAccessPerson(
  actor: AuthenticatedPrincipal,
  subjectUserId: string,
  action: PersonalDataAction,
  facts: AccessFacts,
): boolean {
  if (actor.kind === 'user') return actor.userId === subjectUserId;
  switch (actor.role) {
    case 'health_professional':
      return action === 'read' && facts.managesPerson;
    case 'admin':
      return action === 'erase';
    case 'authority':
    case 'lab':
      return false;
  }
}
