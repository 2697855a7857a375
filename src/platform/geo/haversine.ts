/** A WGS 84 point in degrees. */
export interface LatLng {
  readonly lat: number;
  readonly lng: number;
}

/** Mean Earth radius (IUGG R1), metres. */
export const EARTH_RADIUS_METERS = 6_371_008.8;

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null) return 'null';
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}

function assertLatLng(point: LatLng, what: string): void {
  const { lat, lng } = point;
  if (typeof lat !== 'number' || !Number.isFinite(lat) || lat < -90 || lat > 90) {
    throw new RangeError(`${what}.lat must be a latitude in −90..90, got ${describe(lat)}`);
  }
  if (typeof lng !== 'number' || !Number.isFinite(lng) || lng < -180 || lng > 180) {
    throw new RangeError(`${what}.lng must be a longitude in −180..180, got ${describe(lng)}`);
  }
}

/** Great-circle distance in metres between two WGS 84 points (haversine formula on a sphere of mean radius). */
export function haversineMeters(a: LatLng, b: LatLng): number {
  assertLatLng(a, 'a');
  assertLatLng(b, 'b');
  const toRadians = Math.PI / 180;
  const phi1 = a.lat * toRadians;
  const phi2 = b.lat * toRadians;
  const dPhi = (b.lat - a.lat) * toRadians;
  const dLambda = (b.lng - a.lng) * toRadians;
  const h = Math.sin(dPhi / 2) ** 2 + Math.cos(phi1) * Math.cos(phi2) * Math.sin(dLambda / 2) ** 2;
  return 2 * EARTH_RADIUS_METERS * Math.asin(Math.min(1, Math.sqrt(h)));
}
