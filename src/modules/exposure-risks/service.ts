import type { ExposureRisk, ListExposureRisksQuery } from '../../contracts/exposure-risks.js';
import { decodeCursor, pageOf } from '../../platform/db/keyset.js';
import type { Row } from '../../platform/db/tables.js';
import type { AuthenticatedPrincipal } from '../../platform/http/principal.js';
import { badRequest, notFound } from '../../platform/http/problem.js';
import type { AccessService } from '../access/service.js';
import type { ExposureRisksRepository } from './repository.js';

function present(row: Row<'exposure_risks'>): ExposureRisk {
  return {
    id: row.id,
    interaction_id: row.interaction_id,
    case_id: row.case_id,
    risk_level: Number(row.risk_level),
    exposure_date: row.exposure_date,
    minutes: row.minutes,
    weighted_minutes: row.weighted_minutes,
    proximity_bucket: row.proximity_bucket,
    infectiousness: row.infectiousness,
    report_type: row.report_type,
    model_version: row.model_version,
    updated_at: new Date(row.updated_at).toISOString(),
  };
}

/** Who recorded an interaction: all this module needs of the interactions module. */
export interface InteractionOwners {
  findById(id: string): Promise<{ readonly id: string; readonly user_id: string } | undefined>;
}

export class ExposureRisksService {
  constructor(
    private readonly risks: ExposureRisksRepository,
    private readonly interactions: InteractionOwners,
    private readonly access: AccessService,
  ) {}

  async listForInteraction(actor: AuthenticatedPrincipal, query: ListExposureRisksQuery, requestId: string) {
    const interaction = await this.interactions.findById(query.interaction_id.toLowerCase());
    if (interaction === undefined) throw notFound(`interaction ${query.interaction_id} does not exist`);
    await this.access.assertMay(actor, interaction.user_id, 'read', 'exposure_risks.list', requestId);
    const after = query.cursor === undefined ? null : decodeCursor(query.cursor);
    if (query.cursor !== undefined && after === null)
      throw badRequest('querystring/cursor is not a cursor this server issued');
    const limit = query.limit ?? 100;
    const rows = await this.risks.listForInteraction(interaction.id, limit, after);
    const page = pageOf(rows, limit, (r) => ({ at: r.updated_at, id: r.id }));
    return { exposure_risks: page.items.map(present), next_cursor: page.nextCursor };
  }
}
