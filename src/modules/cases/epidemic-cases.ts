/** One case as analytics and cluster detection see it, whether an app user's or from an imported line list. */
export interface EpidemicCase {
  readonly id: string;
  readonly origin: 'app' | 'line_list';
  readonly onset_date: string | null;
  readonly report_date: string;
  /** H3 cell at the deployment's H3_RESOLUTION, when known. */
  readonly cell: string | null;
  readonly infector_id: string | null;
}

/** An app case reported in a period, as the cases repository reads it. */
export interface AppCaseReport {
  readonly id: string;
  readonly onset_date: string | null;
  readonly report_date: string | null;
  readonly cell: string | null;
}

/** A line-list case reported in a period, as the line-list module reads it. */
export interface ListedCaseReport {
  readonly id: string;
  readonly external_id: string | null;
  readonly onset_date: string | null;
  readonly report_date: string;
  readonly cell: string | null;
  readonly infector_external_id: string | null;
}

interface ReportedBetween<T> {
  reportedBetween(fromDate: string, toDate: string): Promise<T[]>;
}

/**
 * Every case reported in [fromDate, toDate] (inclusive, YYYY-MM-DD): app cases with a report date, and line-list
 * cases. The union is made here so every reader (analytics, cluster detection) counts the same cases.
 */
export class EpidemicCases {
  constructor(
    private readonly appCases: ReportedBetween<AppCaseReport>,
    private readonly listedCases: ReportedBetween<ListedCaseReport>,
  ) {}

  async reportedBetween(fromDate: string, toDate: string): Promise<EpidemicCase[]> {
    const app = await this.appCases.reportedBetween(fromDate, toDate);
    const listed = await this.listedCases.reportedBetween(fromDate, toDate);
    const byExternal = new Map(listed.filter((c) => c.external_id !== null).map((c) => [c.external_id!, c.id]));
    return [
      ...app.map((c) => ({
        id: c.id,
        origin: 'app' as const,
        onset_date: c.onset_date,
        report_date: c.report_date!,
        cell: c.cell,
        infector_id: null,
      })),
      ...listed.map((c) => ({
        id: c.id,
        origin: 'line_list' as const,
        onset_date: c.onset_date,
        report_date: c.report_date,
        cell: c.cell,
        infector_id: c.infector_external_id === null ? null : (byExternal.get(c.infector_external_id) ?? null),
      })),
    ];
  }
}
