import { cellToBoundary, cellToLatLng, latLngToCell } from 'h3-js';

const METRES_PER_DEGREE = 6_371_008.8 * (Math.PI / 180);

/** The point `metres` from `from` towards `to` (planar, for short distances). */
function towards(from: [number, number], to: [number, number], metres: number): { lat: number; lng: number } {
  const kx = METRES_PER_DEGREE * Math.cos((from[0] * Math.PI) / 180);
  const dx = (to[1] - from[1]) * kx;
  const dy = (to[0] - from[0]) * METRES_PER_DEGREE;
  const f = metres / Math.hypot(dx, dy);
  return { lat: from[0] + (to[0] - from[0]) * f, lng: from[1] + (to[1] - from[1]) * f };
}

/** A point `metres` inside the middle of a cell's first edge, and the cell across that edge. */
export function nearEdge(cell: string, metres: number): { cell: string; lat: number; lng: number; across: string } {
  const [a, b] = cellToBoundary(cell) as Array<[number, number]>;
  const middle: [number, number] = [(a![0] + b![0]) / 2, (a![1] + b![1]) / 2];
  const centre = cellToLatLng(cell) as [number, number];
  const inside = towards(middle, centre, metres);
  const outside = towards(middle, centre, -metres);
  return { cell, ...inside, across: latLngToCell(outside.lat, outside.lng, 10) };
}

/** A point `metres` inside a cell's first corner. */
export function nearCorner(cell: string, metres: number): { lat: number; lng: number } {
  const [corner] = cellToBoundary(cell) as Array<[number, number]>;
  return towards(corner!, cellToLatLng(cell) as [number, number], metres);
}
