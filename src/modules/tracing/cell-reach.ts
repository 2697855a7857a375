import { cellToBoundary, gridDisk } from 'h3-js';
import { EARTH_RADIUS_METERS } from './risk-model.js';

const RADIANS = Math.PI / 180;
/** Added to the radius so that the planar approximation below can only include a cell too many, never miss one. */
const SLACK = { relative: 0.01, meters: 0.5 };
const BOUNDARY_CACHE_LIMIT = 100_000;
const boundaries = new Map<string, Array<[number, number]>>();

function boundaryOf(cell: string): Array<[number, number]> {
  let boundary = boundaries.get(cell);
  if (boundary === undefined) {
    if (boundaries.size >= BOUNDARY_CACHE_LIMIT) boundaries.clear();
    boundary = cellToBoundary(cell);
    boundaries.set(cell, boundary);
  }
  return boundary;
}

/**
 * The cells, among `cell` (which holds the point) and the `rings` around it, that a disc of `radiusMeters` around
 * the point reaches (pure, apart from a cache of cell outlines). Anyone within the radius of the point is in one of
 * them; a point in the middle of a cell reaches that cell only, one near an edge or a corner one or two more. At
 * these distances (tens of metres) an equirectangular projection around the point is exact to well under the slack.
 */
export function cellsReached(cell: string, lat: number, lng: number, rings: number, radiusMeters: number): string[] {
  const disk = gridDisk(cell, rings);
  if (rings === 0) return disk;
  const reach = radiusMeters * (1 + SLACK.relative) + SLACK.meters;
  const metresPerLat = EARTH_RADIUS_METERS * RADIANS;
  const metresPerLng = metresPerLat * Math.cos(lat * RADIANS);
  const out: string[] = [];
  for (const candidate of disk) {
    if (candidate === cell) {
      out.push(candidate);
      continue;
    }
    const outline = boundaryOf(candidate).map(([vLat, vLng]): [number, number] => [(vLng - lng) * metresPerLng, (vLat - lat) * metresPerLat]);
    if (distanceToPolygon(outline) <= reach) out.push(candidate);
  }
  return out;
}

/** Distance in metres from the origin to a polygon given by its vertices in metres (0 inside). */
export function distanceToPolygon(vertices: ReadonlyArray<readonly [number, number]>): number {
  let inside = false;
  let nearest = Infinity;
  for (let i = 0, j = vertices.length - 1; i < vertices.length; j = i++) {
    const [x1, y1] = vertices[j]!;
    const [x2, y2] = vertices[i]!;
    if (y1 > 0 !== y2 > 0 && 0 < ((x2 - x1) * (0 - y1)) / (y2 - y1) + x1) inside = !inside;
    nearest = Math.min(nearest, distanceToSegment(x1, y1, x2, y2));
  }
  return inside ? 0 : nearest;
}

function distanceToSegment(x1: number, y1: number, x2: number, y2: number): number {
  const dx = x2 - x1;
  const dy = y2 - y1;
  const lengthSquared = dx * dx + dy * dy;
  const t = lengthSquared === 0 ? 0 : Math.max(0, Math.min(1, -(x1 * dx + y1 * dy) / lengthSquared));
  return Math.hypot(x1 + t * dx, y1 + t * dy);
}
