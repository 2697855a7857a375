import { cellToLatLng, getResolution, gridDisk, latLngToCell } from 'h3-js';
import { describe, expect, it } from 'vitest';
import { cellsReached, distanceToPolygon } from '../../src/modules/tracing/cell-reach.js';
import { haversineMeters } from '../../src/platform/geo/haversine.js';
import { createRng } from '../../src/modules/zones/prng.js';
import { nearCorner, nearEdge } from '../helpers/cell-geometry.js';

const PARIS = latLngToCell(48.8566, 2.3522, 10);

describe('the cells a GPS radius reaches', () => {
  it('distance to a polygon: 0 inside, to the nearest edge or corner outside', () => {
    const square: Array<[number, number]> = [
      [1, 1],
      [3, 1],
      [3, 3],
      [1, 3],
    ];
    expect(distanceToPolygon(square.map(([x, y]) => [x - 2, y - 2]))).toBe(0); // origin at the centre
    expect(distanceToPolygon(square)).toBeCloseTo(Math.SQRT2, 12); // nearest: the corner (1, 1)
    expect(distanceToPolygon(square.map(([x, y]) => [x - 2, y]))).toBe(1); // nearest: the edge y = 1
  });

  it('from the centre of a cell, only that cell; 3 m inside an edge, the cell across it too; 3 m inside a corner, three cells', () => {
    const [lat, lng] = cellToLatLng(PARIS);
    expect(cellsReached(PARIS, lat, lng, 1, 10)).toEqual([PARIS]);
    const edge = nearEdge(PARIS, 3);
    expect(latLngToCell(edge.lat, edge.lng, 10)).toBe(PARIS);
    expect(new Set(cellsReached(PARIS, edge.lat, edge.lng, 1, 10))).toEqual(new Set([PARIS, edge.across]));
    const corner = nearCorner(PARIS, 3);
    expect(cellsReached(PARIS, corner.lat, corner.lng, 1, 10)).toHaveLength(3);
    // Without rings there is nothing around to reach.
    expect(cellsReached(PARIS, edge.lat, edge.lng, 0, 10)).toEqual([PARIS]);
  });

  it('never misses the cell of a point within the radius (20,000 random pairs in four cities)', () => {
    const rng = createRng(7, 1);
    const cities = [
      latLngToCell(48.8566, 2.3522, 10),
      latLngToCell(-33.87, 151.21, 10),
      latLngToCell(64.14, -21.94, 10),
      latLngToCell(0.01, -78.5, 10),
    ];
    let reachedOnAverage = 0;
    for (let i = 0; i < 20_000; i++) {
      const home = gridDisk(cities[i % cities.length]!, 3)[rng.nextInt(37)]!;
      const [cLat, cLng] = cellToLatLng(home);
      // A point anywhere in the cell (rejection sampling in a 140 m square) and another within 10 m of it.
      const lat = cLat + (rng.nextFloat() - 0.5) * 0.00126;
      const lng = cLng + ((rng.nextFloat() - 0.5) * 0.00126) / Math.cos((cLat * Math.PI) / 180);
      const cell = latLngToCell(lat, lng, 10);
      const angle = rng.nextFloat() * 2 * Math.PI;
      const metres = 10 * Math.sqrt(rng.nextFloat());
      const other = {
        lat: lat + (metres * Math.cos(angle)) / 111_195,
        lng: lng + (metres * Math.sin(angle)) / (111_195 * Math.cos((lat * Math.PI) / 180)),
      };
      if (haversineMeters({ lat, lng }, other) > 10) continue;
      const reached = cellsReached(cell, lat, lng, 1, 10);
      reachedOnAverage += reached.length / 20_000;
      expect(reached, `${lat},${lng} → ${other.lat},${other.lng}`).toContain(latLngToCell(other.lat, other.lng, 10));
      expect(getResolution(reached[0]!)).toBe(10);
    }
    // Most points are farther than 10 m from every edge: far fewer than the 7 cells of the whole disk.
    expect(reachedOnAverage).toBeLessThan(2);
  });
});
