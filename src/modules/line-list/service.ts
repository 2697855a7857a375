import { randomUUID } from 'node:crypto';
import { CsvError, parse as parseCsv } from 'csv-parse/sync';
import type { FastifyBaseLogger } from 'fastify';
import { latLngToCell } from 'h3-js';
import { MAX_IMPORT_ROWS, type ImportResult } from '../../contracts/analytics.js';
import { DOMAIN_EVENTS_CHANNEL, type DomainEvent } from '../../platform/bus/domain-events.js';
import type { EventBus } from '../../platform/bus/event-bus.js';
import type { NewRow } from '../../platform/db/tables.js';
import type { AuthenticatedPrincipal } from '../../platform/http/principal.js';
import { badRequest, forbidden } from '../../platform/http/problem.js';
import { calendarDay } from '../../platform/time/calendar.js';
import { checkCsvHeader, checkRows, type LineListCase, type RowProblem } from './model.js';
import type { LineListRepository } from './repository.js';

/** Problems listed in one answer; the count of all of them is in `detail`. */
const MAX_LISTED_PROBLEMS = 100;

export interface LineListSettings {
  readonly timeZone: string;
  /** Resolution of the H3 cell stored with a located case (H3_RESOLUTION). */
  readonly h3Resolution: number;
}

/** The import as the routes hand it over: a parsed JSON body or the text of a CSV file. */
export type ImportBody =
  | { readonly format: 'json'; readonly body: unknown; readonly schemaError?: Error }
  | { readonly format: 'csv'; readonly text: string };

interface Parsed {
  readonly rows: Array<Record<string, unknown>>;
  /** Problems found while reading the rows (e.g. more CSV fields than header columns). */
  readonly problems: RowProblem[];
  /** Where each row is, for messages: a JSON path or a CSV line. */
  readonly pathOf: (index: number) => string;
  readonly labelOf: (index: number) => string;
}

/**
 * Imports a department's line list of (historical) cases, so analytics see cases from before the system ran.
 * Authorities only. Every row is checked first; a list with any bad row is refused whole, with every problem
 * listed by row. Importing a case again (same external_id) updates it. The analytics engine then recomputes the
 * days the import touched before the answer is sent.
 */
export class LineListService {
  constructor(
    private readonly lineList: LineListRepository,
    private readonly analytics: { refreshCaseDates(from: string, to: string): Promise<void> },
    private readonly settings: LineListSettings,
    private readonly log: FastifyBaseLogger,
    private readonly bus: Pick<EventBus, 'publish'>,
  ) {}

  async import(actor: AuthenticatedPrincipal, input: ImportBody): Promise<ImportResult> {
    if (actor.kind !== 'staff' || actor.role !== 'authority') throw forbidden('line lists are imported by authorities');
    const parsed = input.format === 'csv' ? this.parseCsv(input.text) : this.parseJson(input.body, input.schemaError);
    if (parsed.rows.length > MAX_IMPORT_ROWS)
      throw badRequest(
        `a line list may have at most ${MAX_IMPORT_ROWS} rows per import (this one has ${parsed.rows.length}); split it`,
      );
    const today = calendarDay(Date.now(), this.settings.timeZone);
    const checked = checkRows(parsed.rows, input.format, today, parsed.labelOf);
    const problems = [...parsed.problems, ...checked.problems].sort((a, b) => a.index - b.index);
    if (problems.length > 0) throw this.rowsProblem(problems, parsed);
    const cases = checked.cases;
    if (input.format === 'json' && input.schemaError !== undefined) throw input.schemaError;

    const now = Date.now();
    const rows = cases.map((c) => this.toRow(c, actor.kind === 'staff' ? actor.staffId : null, now));
    const { previous } = await this.lineList.upsert(rows);
    const dates = [...cases, ...previous]
      .flatMap((c) => (c.onset_date === null ? [c.report_date] : [c.report_date, c.onset_date]))
      .sort();
    const reportDates = cases.map((c) => c.report_date).sort();
    await this.analytics
      .refreshCaseDates(dates[0]!, dates.at(-1)!)
      .catch((error: unknown) => this.log.error({ err: error }, 'analytics not refreshed after a line-list import'));
    // Other processes' engines, and cluster detection, hear of the import like of any other case report.
    const event: DomainEvent = {
      type: 'cases.imported',
      first_report_date: reportDates[0]!,
      last_report_date: reportDates.at(-1)!,
      count: cases.length,
      at: new Date(now).toISOString(),
    };
    await this.bus
      .publish(DOMAIN_EVENTS_CHANNEL, event)
      .catch((error: unknown) => this.log.warn({ err: error }, 'import event not published'));
    return {
      imported: cases.length,
      created: cases.length - previous.length,
      updated: previous.length,
      first_report_date: reportDates[0]!,
      last_report_date: reportDates.at(-1)!,
    };
  }

  private toRow(c: LineListCase, importedBy: string | null, now: number): NewRow<'line_list_cases'> {
    return {
      id: randomUUID(),
      external_id: c.external_id,
      onset_date: c.onset_date,
      report_date: c.report_date,
      cell: c.lat === null || c.lng === null ? null : latLngToCell(c.lat, c.lng, this.settings.h3Resolution),
      lat: c.lat,
      lng: c.lng,
      infector_external_id: c.infector_external_id,
      imported_at: now,
      imported_by: importedBy,
    };
  }

  private parseJson(body: unknown, schemaError: Error | undefined): Parsed {
    const cases = (body as { cases?: unknown } | null)?.cases;
    const shaped =
      typeof body === 'object' &&
      body !== null &&
      !Array.isArray(body) &&
      Object.keys(body).every((k) => k === 'cases') &&
      Array.isArray(cases);
    if (!shaped || cases.length === 0) {
      throw schemaError ?? badRequest('body must be {"cases": [...]} with at least one case');
    }
    const notAnObject = cases.findIndex((item) => typeof item !== 'object' || item === null || Array.isArray(item));
    if (notAnObject !== -1) throw schemaError ?? badRequest(`body/cases/${notAnObject} must be an object`);
    return {
      rows: cases as Array<Record<string, unknown>>,
      problems: [],
      pathOf: (i) => `body/cases/${i}`,
      labelOf: (i) => `body/cases/${i}`,
    };
  }

  private parseCsv(text: string): Parsed {
    let records: Array<{ record: string[]; info: { lines: number } }>;
    try {
      records = parseCsv(text, {
        bom: true,
        trim: true,
        skip_empty_lines: true,
        relax_column_count: true,
        info: true,
        record_delimiter: ['\r\n', '\n', '\r'],
      }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
    } catch (error) {
      if (error instanceof CsvError) {
        const line = (error as CsvError & { lines?: number }).lines;
        throw badRequest(
          `the CSV could not be read${line === undefined ? '' : ` at line ${line}`}: ${error.message}; nothing was imported`,
          {
            errors: [{ path: line === undefined ? 'body' : `body/line/${line}`, message: error.message }],
          },
        );
      }
      throw error;
    }
    const [header, ...data] = records;
    if (header === undefined) throw badRequest('the CSV is empty: it needs a header line and at least one case');
    const { fields, problems } = checkCsvHeader(header.record);
    if (problems.length > 0) {
      throw badRequest(`the CSV header is not usable: ${problems[0]}; nothing was imported`, {
        errors: problems.map((message) => ({ path: `body/line/${header.info.lines}`, message })),
      });
    }
    if (data.length === 0) throw badRequest('the CSV has a header but no case');
    const extra: RowProblem[] = [];
    const rows = data.map(({ record }, index) => {
      if (record.length > fields.length)
        extra.push({
          index,
          field: null,
          message: `has ${record.length} fields but the header names ${fields.length} columns`,
        });
      // A row with fewer fields than the header only lacks values: the field checks say which are required.
      return Object.fromEntries(fields.map((field, i) => [field, record[i] ?? '']));
    });
    return {
      rows,
      problems: extra,
      pathOf: (i) => `body/line/${data[i]!.info.lines}`,
      labelOf: (i) => `line ${data[i]!.info.lines}`,
    };
  }

  private rowsProblem(problems: readonly RowProblem[], parsed: Parsed) {
    const badRows = new Set(problems.map((p) => p.index)).size;
    const errors = problems.slice(0, MAX_LISTED_PROBLEMS).map((p) => ({
      path: p.field === null ? parsed.pathOf(p.index) : `${parsed.pathOf(p.index)}/${p.field}`,
      message: p.message,
    }));
    const first = errors[0]!;
    return badRequest(
      `${badRows} of ${parsed.rows.length} rows ${badRows === 1 ? 'is' : 'are'} invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}); nothing was imported. First: ${first.path} ${first.message}`,
      { errors },
    );
  }
}
