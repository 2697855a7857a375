import type { Row } from '../../platform/db/tables.js';
import { addDays, calendarDay, startOfDay } from '../../platform/time/calendar.js';
import { infectiousWindow, type RiskModelConfig, type SourceCase } from './risk-model.js';

type CaseDates = Pick<Row<'cases'>, 'onset_date' | 'report_date' | 'created_at' | 'report_type'>;

/** What scoring needs of a case; a case without a report date was reported the day it was created. */
export function sourceCaseOf(row: CaseDates, timeZone: string): SourceCase {
  return {
    onsetDay: row.onset_date,
    reportDay: row.report_date ?? calendarDay(row.created_at, timeZone),
    reportType: row.report_type,
  };
}

/** The infectious window of a case as epoch milliseconds [start, end) in the deployment's calendar. */
export function caseWindowMs(
  row: CaseDates,
  settings: { readonly riskModel: RiskModelConfig; readonly timeZone: string },
): { start: number; end: number } {
  const source = sourceCaseOf(row, settings.timeZone);
  const window = infectiousWindow(source.onsetDay, source.reportDay, settings.riskModel);
  return {
    start: startOfDay(window.fromDay, settings.timeZone),
    end: startOfDay(addDays(window.toDay, 1), settings.timeZone),
  };
}
