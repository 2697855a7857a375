import { cellToBoundary } from 'h3-js';
import { svg } from '../shared/dom.js';

/** One shape on the map: an H3 cell, with a class (how it is drawn) and a text for its tooltip. */
export interface MapCell {
  readonly cell: string;
  readonly className: string;
  readonly label: string;
}

const WIDTH = 640;
const HEIGHT = 420;
const PADDING = 24;

/**
 * Infection zones drawn as H3 hexagons in SVG (h3-js gives each cell's corners), on a plain equirectangular
 * projection fitted to the cells, with a scale bar. No map tiles: it works with no internet.
 */
export function hexMap(cells: readonly MapCell[], title: string): SVGSVGElement {
  const shapes = cells.map((c) => ({ ...c, corners: cellToBoundary(c.cell) }));
  const root = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: 'map', role: 'img', 'aria-label': title });
  root.append(svg('title', {}, title));
  if (shapes.length === 0) {
    root.append(
      svg('text', { x: WIDTH / 2, y: HEIGHT / 2, 'text-anchor': 'middle', fill: '#4d4d4d' }, 'Nothing to show yet'),
    );
    return root;
  }
  const lats = shapes.flatMap((s) => s.corners.map(([lat]) => lat));
  const lngs = shapes.flatMap((s) => s.corners.map(([, lng]) => lng));
  const [minLat, maxLat, minLng, maxLng] = [Math.min(...lats), Math.max(...lats), Math.min(...lngs), Math.max(...lngs)];
  const midLat = (minLat + maxLat) / 2;
  const xScale = Math.cos((midLat * Math.PI) / 180);
  const spanX = Math.max((maxLng - minLng) * xScale, 1e-4);
  const spanY = Math.max(maxLat - minLat, 1e-4);
  const k = Math.min((WIDTH - 2 * PADDING) / spanX, (HEIGHT - 2 * PADDING) / spanY);
  const x = (lng: number) => PADDING + (lng - minLng) * xScale * k + (WIDTH - 2 * PADDING - spanX * k) / 2;
  const y = (lat: number) => HEIGHT - PADDING - (lat - minLat) * k - (HEIGHT - 2 * PADDING - spanY * k) / 2;

  for (let i = 1; i < 8; i++) {
    root.append(svg('line', { class: 'grid-line', x1: (WIDTH * i) / 8, x2: (WIDTH * i) / 8, y1: 0, y2: HEIGHT }));
    root.append(svg('line', { class: 'grid-line', y1: (HEIGHT * i) / 8, y2: (HEIGHT * i) / 8, x1: 0, x2: WIDTH }));
  }
  for (const shape of shapes) {
    const points = shape.corners.map(([lat, lng]) => `${x(lng).toFixed(1)},${y(lat).toFixed(1)}`).join(' ');
    root.append(
      svg('polygon', { points, class: shape.className, 'data-cell': shape.cell }, svg('title', {}, shape.label)),
    );
  }
  // A scale bar: metres per degree of latitude are ~111 km.
  const metresPerPixel = 111_320 / k;
  const barMetres = niceLength(metresPerPixel * 120);
  const barPixels = barMetres / metresPerPixel;
  root.append(
    svg('line', { x1: 16, x2: 16 + barPixels, y1: HEIGHT - 12, y2: HEIGHT - 12, stroke: '#1a1a1a', 'stroke-width': 3 }),
    svg(
      'text',
      { x: 16, y: HEIGHT - 18, 'font-size': 12, fill: '#1a1a1a' },
      barMetres >= 1000 ? `${barMetres / 1000} km` : `${barMetres} m`,
    ),
  );
  return root;
}

function niceLength(metres: number): number {
  const power = 10 ** Math.floor(Math.log10(metres));
  const steps = [1, 2, 5, 10];
  return (steps.find((s) => s * power >= metres) ?? 10) * power;
}
