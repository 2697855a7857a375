import { svg } from '../shared/dom.js';
import { shortId } from '../shared/format.js';

/** A link of a transmission chain: a case's person exposed a contact at a tier. */
export interface ChainLink {
  readonly from: string;
  readonly to: string;
  readonly tier: 'low' | 'medium' | 'high';
}

const TIER_COLOUR = { high: '#a4161a', medium: '#8a4b00', low: '#2f6b2f' } as const;
const COLUMN = 190;
const ROW = 56;

/**
 * The transmission chain around one person: people are placed in columns by generation (breadth-first from the
 * root: who they could have been infected by, going the other way, is placed to the left), links coloured by tier.
 * `isCase` marks people who are cases themselves (their own contacts are traced too).
 */
export function chainGraph(
  root: string,
  links: readonly ChainLink[],
  isCase: (person: string) => boolean,
  label: (person: string) => string,
): SVGSVGElement {
  const generation = new Map<string, number>([[root, 0]]);
  const queue = [root];
  while (queue.length > 0) {
    const person = queue.shift()!;
    const g = generation.get(person)!;
    for (const link of links) {
      if (link.from === person && !generation.has(link.to)) {
        generation.set(link.to, g + 1);
        queue.push(link.to);
      }
      if (link.to === person && !generation.has(link.from)) {
        generation.set(link.from, g - 1);
        queue.push(link.from);
      }
    }
  }
  const minG = Math.min(...generation.values());
  const columns = new Map<number, string[]>();
  for (const [person, g] of generation) columns.set(g - minG, [...(columns.get(g - minG) ?? []), person]);
  const tallest = Math.max(...[...columns.values()].map((c) => c.length));
  const width = Math.max(columns.size * COLUMN, COLUMN) + 40;
  const height = Math.max(tallest * ROW, ROW) + 40 + ROW;
  const position = new Map<string, { x: number; y: number }>();
  for (const [column, people] of columns) {
    people.sort();
    people.forEach((person, i) => {
      position.set(person, {
        x: 90 + column * COLUMN,
        y: 20 + ROW + ROW / 2 + i * ROW + ((tallest - people.length) * ROW) / 2,
      });
    });
  }
  const graph = svg('svg', {
    viewBox: `0 0 ${width} ${height}`,
    class: 'graph',
    role: 'img',
    'aria-label': `Transmission chain: ${generation.size} people, ${links.length} exposures`,
  });
  graph.append(svg('title', {}, 'Transmission chain'));
  graph.append(
    svg(
      'defs',
      {},
      ...(['high', 'medium', 'low'] as const).map((tier) =>
        svg(
          'marker',
          {
            id: `arrow-${tier}`,
            viewBox: '0 0 10 10',
            refX: 10,
            refY: 5,
            markerWidth: 7,
            markerHeight: 7,
            orient: 'auto-start-reverse',
          },
          svg('path', { d: 'M0,0 L10,5 L0,10 z', fill: TIER_COLOUR[tier] }),
        ),
      ),
    ),
  );
  for (const link of links) {
    const a = position.get(link.from);
    const b = position.get(link.to);
    if (!a || !b) continue;
    // A link to the next column is straight; one skipping columns bows above the people in between.
    const [x1, x2] = [a.x + 62, b.x - 64];
    const skips = Math.abs(b.x - a.x) > COLUMN * 1.5;
    const d = skips
      ? `M${x1},${a.y - 10} Q${(x1 + x2) / 2},${Math.min(a.y, b.y) - ROW} ${x2},${b.y - 10}`
      : `M${x1},${a.y} L${x2},${b.y}`;
    graph.append(
      svg(
        'path',
        {
          d,
          fill: 'none',
          stroke: TIER_COLOUR[link.tier],
          'stroke-width': link.tier === 'high' ? 3 : 2,
          'marker-end': `url(#arrow-${link.tier})`,
        },
        svg('title', {}, `${label(link.from)} exposed ${label(link.to)} (${link.tier} risk)`),
      ),
    );
  }
  for (const [person, { x, y }] of position) {
    const caseNode = isCase(person);
    graph.append(
      svg(
        'g',
        { 'data-person': person },
        svg('rect', {
          x: x - 62,
          y: y - 18,
          width: 124,
          height: 36,
          rx: 18,
          fill: person === root ? '#0b4f8a' : caseNode ? '#fbe9e9' : '#ffffff',
          stroke: caseNode ? '#a4161a' : '#6b7480',
          'stroke-width': 2,
        }),
        svg(
          'text',
          { x, y: y + 5, 'text-anchor': 'middle', 'font-size': 13, fill: person === root ? '#ffffff' : '#1a1a1a' },
          `${caseNode ? 'Case ' : ''}${shortId(label(person))}`,
        ),
      ),
    );
  }
  return graph;
}
