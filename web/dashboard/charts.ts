import type { RtResult, Summary } from '../sdk/index.js';
import { svg } from '../shared/dom.js';

const W = 640;
const H = 260;
const M = { left: 44, right: 12, top: 12, bottom: 36 };

function frame(title: string, yMax: number, labelsX: string[]) {
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': title });
  root.append(svg('title', {}, title));
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const n = Math.max(labelsX.length, 1);
  const x = (i: number) => M.left + (plotW * (i + 0.5)) / n;
  const y = (v: number) => M.top + plotH - (plotH * v) / (yMax || 1);
  for (const tick of ticks(yMax)) {
    root.append(
      svg('line', { x1: M.left, x2: W - M.right, y1: y(tick), y2: y(tick), stroke: '#e3e7eb' }),
      svg(
        'text',
        { x: M.left - 6, y: y(tick) + 4, 'text-anchor': 'end', 'font-size': 11, fill: '#4d4d4d' },
        formatTick(tick),
      ),
    );
  }
  const every = Math.ceil(n / 7);
  labelsX.forEach((label, i) => {
    if (i % every === 0 || i === n - 1)
      root.append(
        svg('text', { x: x(i), y: H - 12, 'text-anchor': 'middle', 'font-size': 11, fill: '#4d4d4d' }, label),
      );
  });
  return { root, x, y, barWidth: (plotW / n) * 0.7 };
}

function ticks(max: number): number[] {
  if (max <= 0) return [0];
  const step = 10 ** Math.floor(Math.log10(max / 4 || 1));
  const nice = [1, 2, 5, 10].map((s) => s * step).find((s) => max / s <= 5) ?? step * 10;
  const out: number[] = [];
  for (let v = 0; v <= max + 1e-9; v += nice) out.push(v);
  return out;
}

const formatTick = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1));
const shortDate = (date: string) => date.slice(5);

/** Which date a case is counted on: its symptom onset or the day it was reported. */
export type CaseDates = 'onset' | 'report';

/**
 * Daily cases (bars) by onset or by report date; by report date, with their 7-day average (line), which the server
 * works out on the report-date series only.
 */
export function caseCurve(summary: Summary, dates: CaseDates = 'report'): SVGSVGElement {
  const days = summary.days;
  const count = (d: Summary['days'][number]) => (dates === 'onset' ? d.cases_by_onset : d.cases);
  const withAverage = dates === 'report';
  const yMax = Math.max(1, ...days.map((d) => Math.max(count(d), withAverage ? d.cases_7day_avg : 0)));
  const period = `from ${summary.days[0]?.date ?? ''} to ${summary.days.at(-1)?.date ?? ''}`;
  const { root, x, y, barWidth } = frame(
    withAverage
      ? `Cases per day by report date ${period}, with the 7-day average`
      : `Cases per day by symptom onset date ${period}`,
    yMax * 1.1,
    days.map((d) => shortDate(d.date)),
  );
  for (const [i, day] of days.entries()) {
    const n = count(day);
    const tip = withAverage
      ? `${day.date}: ${n} cases reported, 7-day average ${day.cases_7day_avg.toFixed(1)}`
      : `${day.date}: ${n} cases fell ill`;
    root.append(
      svg(
        'rect',
        { x: x(i) - barWidth / 2, y: y(n), width: barWidth, height: y(0) - y(n), fill: '#8fb3d9' },
        svg('title', {}, tip),
      ),
    );
  }
  if (withAverage) {
    const line = days
      .map((d, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(d.cases_7day_avg).toFixed(1)}`)
      .join(' ');
    root.append(svg('path', { d: line, fill: 'none', stroke: '#083a66', 'stroke-width': 2.5 }));
  }
  return root;
}

/** Rt by window end: posterior mean (line) and 95% credible interval (band), with the threshold Rt = 1. */
export function rtChart(rt: RtResult): SVGSVGElement {
  const estimates = rt.estimates;
  const dateOf = (tEnd: number) =>
    rt.from === null
      ? String(tEnd)
      : shortDate(new Date(Date.parse(`${rt.from}T00:00:00Z`) + (tEnd - 1) * 86_400_000).toISOString().slice(0, 10));
  const yMax = Math.max(2, ...estimates.map((e) => e.quantile_0_975));
  const { root, x, y } = frame(
    'Reproduction number Rt with its 95% credible interval, by the last day of each window',
    yMax * 1.05,
    estimates.map((e) => dateOf(e.t_end)),
  );
  if (estimates.length > 0) {
    const upper = estimates.map((e, i) => `${x(i).toFixed(1)},${y(e.quantile_0_975).toFixed(1)}`);
    const lower = estimates.map((e, i) => `${x(i).toFixed(1)},${y(e.quantile_0_025).toFixed(1)}`).reverse();
    root.append(svg('polygon', { points: [...upper, ...lower].join(' '), fill: '#b7c9de' }));
    root.append(
      svg('path', {
        d: estimates.map((e, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(e.mean).toFixed(1)}`).join(' '),
        fill: 'none',
        stroke: '#083a66',
        'stroke-width': 2.5,
      }),
    );
    for (const [i, e] of estimates.entries()) {
      root.append(
        svg(
          'circle',
          { cx: x(i), cy: y(e.mean), r: 3, fill: '#083a66' },
          svg(
            'title',
            {},
            `Window ending ${dateOf(e.t_end)}: Rt ${e.mean.toFixed(2)} (95% CrI ${e.quantile_0_025.toFixed(2)}–${e.quantile_0_975.toFixed(2)})`,
          ),
        ),
      );
    }
  } else {
    root.append(
      svg(
        'text',
        { x: W / 2, y: H / 2, 'text-anchor': 'middle', fill: '#4d4d4d' },
        `Rt needs at least ${rt.needs_days} days of cases`,
      ),
    );
  }
  root.append(
    svg('line', {
      x1: M.left,
      x2: W - M.right,
      y1: y(1),
      y2: y(1),
      stroke: '#a4161a',
      'stroke-dasharray': '6 4',
      'stroke-width': 1.5,
    }),
  );
  return root;
}
