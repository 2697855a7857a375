import type { LocationObservation } from '../../src/contracts/interactions.js';

/** How far (metres) the phone may move and still be at the same place. */
const SAME_PLACE_METRES = 25;
/** A long stay is cut into pieces this long, so the server hears about it while it lasts. */
const SEGMENT_MS = 5 * 60_000;

interface Stay {
  lat: number;
  lng: number;
  accuracy: number;
  startedAt: number;
  lastSeenAt: number;
}

export type RecorderStatus =
  | { readonly state: 'off' }
  | { readonly state: 'waiting' }
  | { readonly state: 'recording'; readonly lat: number; readonly lng: number; readonly since: number }
  | { readonly state: 'error'; readonly message: string };

/**
 * Records where the phone stays, from the Geolocation API: a stay lasts while the position stays within 25 m, and
 * becomes a `location` observation when the phone moves on, every 5 minutes while it lasts, and when recording stops.
 */
export class LocationRecorder {
  private watchId: number | null = null;
  private stay: Stay | null = null;
  private segmentTimer: ReturnType<typeof setInterval> | undefined;
  private status: RecorderStatus = { state: 'off' };
  private readonly listeners = new Set<(status: RecorderStatus) => void>();

  constructor(private readonly record: (observation: LocationObservation) => Promise<void>) {}

  get active(): boolean {
    return this.watchId !== null;
  }

  onChange(listener: (status: RecorderStatus) => void): () => void {
    this.listeners.add(listener);
    listener(this.status);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    if (this.watchId !== null) return;
    if (!('geolocation' in navigator)) {
      this.set({ state: 'error', message: 'This browser cannot tell the app where you are.' });
      return;
    }
    this.set({ state: 'waiting' });
    this.watchId = navigator.geolocation.watchPosition(
      (position) => void this.observe(position),
      (error) =>
        this.set({
          state: 'error',
          message:
            error.code === error.PERMISSION_DENIED
              ? 'Location permission was refused. Allow it in the browser settings to record where you were.'
              : 'Your position is not available right now.',
        }),
      { enableHighAccuracy: true, maximumAge: 30_000, timeout: 60_000 },
    );
    this.segmentTimer = setInterval(() => void this.cutSegment(), SEGMENT_MS);
  }

  async stop(): Promise<void> {
    if (this.watchId !== null) navigator.geolocation.clearWatch(this.watchId);
    this.watchId = null;
    clearInterval(this.segmentTimer);
    await this.closeStay(Date.now());
    this.set({ state: 'off' });
  }

  private async observe(position: GeolocationPosition): Promise<void> {
    if (this.watchId === null) return; // a position delivered after recording stopped
    const { latitude: lat, longitude: lng, accuracy } = position.coords;
    const now = Date.now();
    // The new stay begins before the old one is written, so a stop meanwhile closes the new one too.
    let left: Stay | null = null;
    if (
      this.stay !== null &&
      distanceMetres(this.stay, { lat, lng }) > Math.max(SAME_PLACE_METRES, Math.min(accuracy, 100))
    ) {
      left = this.stay;
      this.stay = null;
    }
    if (this.stay === null) this.stay = { lat, lng, accuracy, startedAt: now, lastSeenAt: now };
    else this.stay.lastSeenAt = now;
    this.set({ state: 'recording', lat: this.stay.lat, lng: this.stay.lng, since: this.stay.startedAt });
    if (left !== null) await this.recordStay(left, now);
  }

  private async cutSegment(): Promise<void> {
    if (this.stay === null) return;
    const { lat, lng, accuracy } = this.stay;
    const now = Date.now();
    await this.closeStay(now);
    this.stay = { lat, lng, accuracy, startedAt: now, lastSeenAt: now };
  }

  private async closeStay(endedAt: number): Promise<void> {
    const stay = this.stay;
    this.stay = null;
    if (stay !== null) await this.recordStay(stay, endedAt);
  }

  private async recordStay(stay: Stay, endedAt: number): Promise<void> {
    await this.record({
      id: crypto.randomUUID(),
      kind: 'location',
      lat: round(stay.lat, 6),
      lng: round(stay.lng, 6),
      accuracy_m: Math.min(round(stay.accuracy, 1), 10_000),
      started_at: new Date(stay.startedAt).toISOString(),
      ended_at: new Date(Math.max(endedAt, stay.startedAt)).toISOString(),
    });
  }

  private set(status: RecorderStatus): void {
    this.status = status;
    for (const listener of this.listeners) listener(status);
  }
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Haversine distance in metres. */
export function distanceMetres(a: { lat: number; lng: number }, b: { lat: number; lng: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLng = (b.lng - a.lng) * rad;
  const x = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * 6_371_000 * Math.asin(Math.sqrt(x));
}
