import type { LatLng } from '../platform/geo/haversine.js';

export type { LatLng } from '../platform/geo/haversine.js';

/** Metres to degrees near a latitude (pure; good to a few centimetres over a city). */
const METRES_PER_DEGREE_LAT = 111_320;

export interface BoundingBox {
  readonly south: number;
  readonly west: number;
  readonly north: number;
  readonly east: number;
}

/** About 8 km × 8 km of central Lyon. */
export const DEFAULT_BBOX: BoundingBox = { south: 45.72, west: 4.8, north: 45.79, east: 4.9 };

export function offsetMetres(point: LatLng, northMetres: number, eastMetres: number): LatLng {
  return {
    lat: point.lat + northMetres / METRES_PER_DEGREE_LAT,
    lng: point.lng + eastMetres / (METRES_PER_DEGREE_LAT * Math.cos((point.lat * Math.PI) / 180)),
  };
}

export function clampToBox(point: LatLng, box: BoundingBox): LatLng {
  return {
    lat: Math.min(box.north, Math.max(box.south, point.lat)),
    lng: Math.min(box.east, Math.max(box.west, point.lng)),
  };
}

/** Distance between two spots of one place: spots sit on a grid this far apart, beyond the 10 m GPS contact radius. */
export const SPOT_PITCH_METRES = 25;

/** Where spot `spot` of a place is: a grid of 8 spots per row, SPOT_PITCH_METRES apart. */
export function spotPosition(place: LatLng, spot: number): LatLng {
  return offsetMetres(place, Math.floor(spot / 8) * SPOT_PITCH_METRES, (spot % 8) * SPOT_PITCH_METRES);
}
