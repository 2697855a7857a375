import { describe, expect, it } from 'vitest';
import { checkCsvHeader, checkRow, checkRows } from '../../src/modules/line-list/model.js';

const TODAY = '2024-06-15';

describe('line-list rows', () => {
  it('accepts a full JSON row and a minimal one', () => {
    expect(
      checkRow(
        {
          external_id: 'C-1',
          report_date: '2009-04-28',
          onset_date: '2009-04-27',
          lat: 40.0,
          lng: -75.5,
          infector_external_id: 'C-0',
        },
        'json',
        TODAY,
      ),
    ).toEqual({
      value: {
        external_id: 'C-1',
        report_date: '2009-04-28',
        onset_date: '2009-04-27',
        lat: 40,
        lng: -75.5,
        infector_external_id: 'C-0',
      },
      problems: [],
    });
    expect(
      checkRow({ external_id: 'x', report_date: TODAY, onset_date: null, lat: null, lng: null }, 'json', TODAY).value,
    ).toEqual({
      external_id: 'x',
      report_date: TODAY,
      onset_date: null,
      lat: null,
      lng: null,
      infector_external_id: null,
    });
  });

  it('reads CSV text: empty fields are missing values, numbers are parsed', () => {
    expect(
      checkRow(
        {
          external_id: 'A 1',
          report_date: '1918-10-01',
          onset_date: '',
          lat: '-33.5',
          lng: '151',
          infector_external_id: '',
        },
        'csv',
        TODAY,
      ).value,
    ).toEqual({
      external_id: 'A 1',
      report_date: '1918-10-01',
      onset_date: null,
      lat: -33.5,
      lng: 151,
      infector_external_id: null,
    });
  });

  it('reports every problem of a row, field by field', () => {
    const { value, problems } = checkRow(
      {
        external_id: ' padded',
        report_date: '2024-02-30',
        onset_date: '2024-06-16',
        lat: 91,
        infector_external_id: 7,
        ward: 'B',
      },
      'json',
      TODAY,
    );
    expect(value).toBeNull();
    expect(problems).toEqual([
      { field: 'ward', message: expect.stringMatching(/^is not a line-list field/) },
      {
        field: 'external_id',
        message: 'must be 1 to 100 printable ASCII characters, without leading or trailing spaces',
      },
      { field: 'report_date', message: 'must be a calendar date written YYYY-MM-DD, got "2024-02-30"' },
      { field: 'onset_date', message: `may not be in the future (today is ${TODAY})` },
      { field: 'lat', message: 'must be a number from -90 to 90, got 91' },
      { field: 'infector_external_id', message: 'must be a string' },
      { field: 'lng', message: 'lat and lng go together: give both or neither' },
    ]);
  });

  it('checks dates against each other and against the earliest accepted date', () => {
    const problemsOf = (row: Record<string, unknown>, source: 'json' | 'csv' = 'json') =>
      checkRow(row, source, TODAY).problems;
    expect(problemsOf({ external_id: 'a', report_date: '2024-01-01', onset_date: '2024-01-02' })).toEqual([
      { field: 'onset_date', message: 'may not be after report_date (2024-01-01)' },
    ]);
    expect(problemsOf({ external_id: 'a', report_date: '1899-12-31' })).toEqual([
      { field: 'report_date', message: 'may not be before 1900-01-01' },
    ]);
    expect(problemsOf({ external_id: 'a', report_date: '2024-06-16' })).toEqual([
      { field: 'report_date', message: 'may not be in the future (today is 2024-06-15)' },
    ]);
    expect(problemsOf({ report_date: '' }, 'csv')).toEqual([
      { field: 'external_id', message: 'is required' },
      { field: 'report_date', message: 'is required' },
    ]);
    expect(problemsOf({ external_id: 'a', report_date: '2024-01-01', lat: '1', lng: 2 })).toEqual([
      { field: 'lat', message: 'must be a number' },
    ]);
    expect(problemsOf({ external_id: 'a', report_date: '2024-01-01', lat: '1x', lng: '2' }, 'csv')).toEqual([
      { field: 'lat', message: 'must be a number from -90 to 90, got "1x"' },
    ]);
    expect(problemsOf({ external_id: 'a', report_date: '2024-01-01', infector_external_id: 'a' })).toEqual([
      { field: 'infector_external_id', message: 'may not be the case itself' },
    ]);
  });

  it('checks every row and refuses a repeated external_id', () => {
    const { cases, problems } = checkRows(
      [
        { external_id: 'a', report_date: '2024-01-01' },
        { external_id: 'b', report_date: 'soon' },
        { external_id: 'a', report_date: '2024-01-02' },
      ],
      'json',
      TODAY,
      (i) => `line ${i + 2}`,
    );
    expect(cases.map((c) => c.external_id)).toEqual(['a']);
    expect(problems).toEqual([
      { index: 1, field: 'report_date', message: 'must be a calendar date written YYYY-MM-DD, got "soon"' },
      { index: 2, field: 'external_id', message: 'repeats the external_id of line 2; each case appears once' },
    ]);
  });
});

describe('CSV header', () => {
  it('maps columns in any order, whatever their case', () => {
    expect(checkCsvHeader(['Report_Date', ' external_id ', 'lat', 'lng'])).toEqual({
      fields: ['report_date', 'external_id', 'lat', 'lng'],
      problems: [],
    });
  });

  it('names unknown, repeated and missing columns', () => {
    expect(checkCsvHeader(['external_id', 'date', 'external_id']).problems).toEqual([
      'column 2 "date" is not a line-list field (expected external_id, report_date, onset_date, lat, lng, infector_external_id)',
      'column "external_id" appears twice',
      'the header has no report_date column',
    ]);
  });
});
