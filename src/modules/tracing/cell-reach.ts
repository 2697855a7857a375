import { cellToBoundary, gridDisk } from 'h3-js';
import { EARTH_RADIUS_METERS } from '../../platform/geo/haversine.js';

const RADIANS = Math.PI / 180;
/** Added to the radius so that the planar approximation below can only include a cell too many, never miss one. */
const SLACK = { relative: 0.01, meters: 0.5 };
const CACHE_LIMIT = 100_000;
const boundaries = new Map<string, Array<[number, number]>>();
const disks = new Map<string, string[]>();

/** A bounded memo: h3's WebAssembly calls cost more than the maths around them, and traces revisit the same cells. */
function memo<T>(cache: Map<string, T>, key: string, compute: () => T): T {
  let value = cache.get(key);
  if (value === undefined) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    value = compute();
    cache.set(key, value);
  }
  return value;
}

/**
 * The cells, among `cell` (which holds the point) and the `rings` around it, that a disc of `radiusMeters` around
 * the point reaches (pure, apart from caches of cell outlines and disks). Anyone within the radius of the point is in
 * one of them; a point in the middle of a cell reaches that cell only, one near an edge or a corner one or two more.
 * At these distances (tens of metres) an equirectangular projection around the point is exact to well under the slack.
 */
export function cellsReached(cell: string, lat: number, lng: number, rings: number, radiusMeters: number): string[] {
  const disk = memo(disks, `${cell}/${rings}`, () => gridDisk(cell, rings));
  if (rings === 0) return [...disk];
  const reach = radiusMeters * (1 + SLACK.relative) + SLACK.meters;
  const metresPerLat = EARTH_RADIUS_METERS * RADIANS;
  const metresPerLng = metresPerLat * Math.cos(lat * RADIANS);
  const out: string[] = [];
  for (const candidate of disk) {
    if (candidate === cell) {
      out.push(candidate);
      continue;
    }
    const outline = memo(boundaries, candidate, () => cellToBoundary(candidate));
    if (distanceToOutline(outline, lat, lng, metresPerLat, metresPerLng) <= reach) out.push(candidate);
  }
  return out;
}

/** Distance in metres from the point to an outline of [lat, lng] vertices, projected around the point (0 inside). */
function distanceToOutline(
  outline: ReadonlyArray<readonly [number, number]>,
  lat: number,
  lng: number,
  metresPerLat: number,
  metresPerLng: number,
): number {
  let inside = false;
  let nearest = Infinity;
  for (let i = 0, j = outline.length - 1; i < outline.length; j = i++) {
    const x1 = (outline[j]![1] - lng) * metresPerLng;
    const y1 = (outline[j]![0] - lat) * metresPerLat;
    const x2 = (outline[i]![1] - lng) * metresPerLng;
    const y2 = (outline[i]![0] - lat) * metresPerLat;
    if (y1 > 0 !== y2 > 0 && 0 < ((x2 - x1) * (0 - y1)) / (y2 - y1) + x1) inside = !inside;
    nearest = Math.min(nearest, distanceToSegment(x1, y1, x2, y2));
  }
  return inside ? 0 : nearest;
}

/** Distance in metres from the origin to a polygon given by its [x, y] vertices in metres (0 inside). */
export function distanceToPolygon(vertices: ReadonlyArray<readonly [number, number]>): number {
  return distanceToOutline(
    vertices.map(([x, y]) => [y, x] as const),
    0,
    0,
    1,
    1,
  );
}

function distanceToSegment(x1: number, y1: number, x2: number, y2: number): number {
  const dx = x2 - x1;
  const dy = y2 - y1;
  const lengthSquared = dx * dx + dy * dy;
  const t = lengthSquared === 0 ? 0 : Math.max(0, Math.min(1, -(x1 * dx + y1 * dy) / lengthSquared));
  return Math.hypot(x1 + t * dx, y1 + t * dy);
}
