import type { Stay } from './schedule.js';

/** Two people in the same place at the same time: `close` when at the same spot (within GPS contact distance). */
export interface Contact {
  readonly a: Stay;
  readonly b: Stay;
  readonly close: boolean;
  readonly start: number;
  readonly end: number;
}

/**
 * Every pair of overlapping stays in the same place (pure). `far` pairs (same building, different spots) are only
 * listed when `includeFar` holds for the place, since a large school or office has many.
 */
export function contactsOf(
  stays: readonly Stay[],
  includeFar: (place: number) => boolean,
  involving?: (agent: number) => boolean,
): Contact[] {
  const byPlace = new Map<number, Stay[]>();
  for (const stay of stays) {
    let list = byPlace.get(stay.place);
    if (list === undefined) {
      list = [];
      byPlace.set(stay.place, list);
    }
    list.push(stay);
  }
  const contacts: Contact[] = [];
  for (const [place, list] of byPlace) {
    if (list.length < 2) continue;
    const far = includeFar(place);
    for (let i = 0; i < list.length; i++) {
      const a = list[i]!;
      for (let j = i + 1; j < list.length; j++) {
        const b = list[j]!;
        if (a.agent === b.agent) continue;
        if (involving !== undefined && !involving(a.agent) && !involving(b.agent)) continue;
        const close = a.spot === b.spot;
        if (!close && !far) continue;
        const start = Math.max(a.start, b.start);
        const end = Math.min(a.end, b.end);
        if (end > start) contacts.push({ a, b, close, start, end });
      }
    }
  }
  return contacts;
}
