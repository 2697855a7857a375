import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/modules/zones/prng.js';
import { generateCity } from '../../src/simulator/city.js';
import { contactsOf } from '../../src/simulator/contacts.js';
import { DEMO_DISEASE, demoScenario } from '../../src/simulator/demo-run.js';
import { DEFAULT_DISEASE, drawCourse } from '../../src/simulator/disease.js';
import { Epidemic } from '../../src/simulator/epidemic.js';
import {
  CHOIR_HAZARD_PER_MINUTE,
  gatheringDecision,
  neighbourhoodChoir,
  presymptomaticAt,
  withGathering,
} from '../../src/simulator/gathering.js';
import { haversineMeters as distanceMetres } from '../../src/platform/geo/haversine.js';
import { SPOT_PITCH_METRES, spotPosition } from '../../src/simulator/geometry.js';
import { distributionOf, scoreTracing } from '../../src/simulator/ground-truth.js';
import { proximityObservations } from '../../src/simulator/observations.js';
import { generatedScenario } from '../../src/simulator/scenario.js';
import { dailyStays, type Stay } from '../../src/simulator/schedule.js';
import { MS_PER_DAY as DAY, MS_PER_HOUR as HOUR, MS_PER_MINUTE as MINUTE } from '../../src/platform/time/calendar.js';
import { dateOf, planTimeline, releaseAt, stampOf } from '../../src/simulator/timeline.js';

const stay = (agent: number, place: number, spot: number, startMin: number, endMin: number): Stay => ({
  agent,
  place,
  spot,
  start: startMin * MINUTE,
  end: endMin * MINUTE,
});

describe('precision and recall against the ground truth', () => {
  it('counts, per tier, notified contacts truly infected by their source and infected people notified', () => {
    const scores = scoreTracing([
      // Source 10 infected 1, 2, 3; the server notified 1 (high), 2 (medium), 4 (high), 5 (medium).
      {
        source: 10,
        infected: [1, 2, 3],
        notified: new Map([
          [1, 'high'],
          [2, 'medium'],
          [4, 'high'],
          [5, 'medium'],
        ] as const),
      },
      // Source 20 infected 6; the server notified 6 (high) and 7 (high).
      {
        source: 20,
        infected: [6],
        notified: new Map([
          [6, 'high'],
          [7, 'high'],
        ] as const),
      },
      // Source 30 infected nobody and nobody was notified.
      { source: 30, infected: [], notified: new Map() },
    ]);
    expect(scores).toEqual([
      { tier: 'high', notified: 4, truePositives: 2, infected: 4, precision: 0.5, recall: 0.5 },
      { tier: 'medium', notified: 2, truePositives: 1, infected: 4, precision: 0.5, recall: 0.25 },
      { tier: 'any', notified: 6, truePositives: 3, infected: 4, precision: 0.5, recall: 0.75 },
    ]);
  });

  it('has no precision without notifications and no recall without infections', () => {
    expect(scoreTracing([{ source: 1, infected: [], notified: new Map() }])).toEqual([
      { tier: 'high', notified: 0, truePositives: 0, infected: 0, precision: null, recall: null },
      { tier: 'medium', notified: 0, truePositives: 0, infected: 0, precision: null, recall: null },
      { tier: 'any', notified: 0, truePositives: 0, infected: 0, precision: null, recall: null },
    ]);
  });

  it('gives nearest-rank percentiles', () => {
    expect(distributionOf([5, 1, 4, 2, 3, 6, 7, 8, 9, 10])).toEqual({ count: 10, p50: 5, p90: 9, p99: 10, max: 10 });
    expect(distributionOf([])).toEqual({ count: 0, p50: null, p90: null, p99: null, max: null });
  });
});

describe('simulated time', () => {
  it('starts at a UTC midnight and never stamps a time later than the clock when it is released', () => {
    const wallStart = Date.UTC(2026, 10, 30, 9, 30);
    const timeline = planTimeline(wallStart, 14, 5000);
    expect(new Date(timeline.origin).toISOString()).toBe('2026-11-17T00:00:00.000Z');
    expect(dateOf(timeline, 0)).toBe('2026-11-17');
    for (const tau of [0, DAY, 7.3 * DAY, timeline.end / 2, timeline.end])
      expect(stampOf(timeline, tau)).toBeLessThanOrEqual(releaseAt(timeline, tau) + 1);
    // At the end, simulated time has caught up with the clock.
    expect(Math.abs(stampOf(timeline, timeline.end) - releaseAt(timeline, timeline.end))).toBeLessThan(2);
    expect(() => planTimeline(wallStart, 14, 1)).toThrow(RangeError);
  });
});

describe('contacts', () => {
  it('pairs overlapping stays at the same spot (close), and at other spots of the same place only when asked', () => {
    const stays = [
      stay(1, 9, 0, 0, 60),
      stay(2, 9, 0, 30, 90),
      stay(3, 9, 1, 0, 120),
      stay(4, 8, 0, 0, 120),
      stay(5, 9, 0, 60, 70),
    ];
    const pairs = (far: boolean) =>
      contactsOf(stays, () => far).map((c) => [c.a.agent, c.b.agent, c.close, c.start / MINUTE, c.end / MINUTE]);
    expect(pairs(false)).toEqual([
      [1, 2, true, 30, 60],
      [2, 5, true, 60, 70],
    ]);
    expect(pairs(true)).toEqual([
      [1, 2, true, 30, 60],
      [1, 3, false, 0, 60],
      [2, 3, false, 30, 90],
      [2, 5, true, 60, 70],
      [3, 5, false, 60, 70],
    ]);
  });

  it('places spots of a place further apart than the 10 m GPS contact radius', () => {
    const place = { lat: 45.75, lng: 4.85 };
    expect(distanceMetres(spotPosition(place, 0), spotPosition(place, 1))).toBeCloseTo(SPOT_PITCH_METRES, 1);
    expect(distanceMetres(spotPosition(place, 0), spotPosition(place, 8))).toBeCloseTo(SPOT_PITCH_METRES, 1);
  });
});

describe('city, schedules and epidemic', () => {
  it('generates the same city from the same seed, with everyone housed', () => {
    const a = generateCity({ population: 2000, seed: 42 });
    const b = generateCity({ population: 2000, seed: 42 });
    expect(a).toEqual(b);
    expect(a.agents).toHaveLength(2000);
    for (const kind of ['home', 'work', 'school', 'venue'] as const)
      expect(a.places.some((p) => p.kind === kind)).toBe(true);
    for (const agent of a.agents) expect(a.places[agent.home]!.kind).toBe('home');
    expect(
      a.agents.filter((x) => x.child).every((x) => x.daytime !== null && a.places[x.daytime]!.kind === 'school'),
    ).toBe(true);
  });

  it('gives everyone contiguous stays covering the whole day, at home when isolating', () => {
    const city = generateCity({ population: 300, seed: 3 });
    const rng = createRng(3, 9);
    for (const agent of city.agents) {
      for (const staysHome of [false, true]) {
        const stays = dailyStays(city, agent, { day: 2, weekday: 3, staysHome }, rng);
        expect(stays[0]!.start).toBe(2 * DAY);
        expect(stays.at(-1)!.end).toBe(3 * DAY);
        for (let i = 1; i < stays.length; i++) expect(stays[i]!.start).toBe(stays[i - 1]!.end);
        if (staysHome)
          expect(stays).toEqual([{ agent: agent.id, place: agent.home, spot: 0, start: 2 * DAY, end: 3 * DAY }]);
      }
    }
  });

  it('infects only people in contact with an infectious person, and the same seed gives the same epidemic', () => {
    const run = () => {
      const scenario = generatedScenario({ population: 1500, seed: 11, initialInfections: 10 });
      const epidemic = new Epidemic(scenario.city, { seed: 11 });
      epidemic.seed(scenario.seeds);
      const rng = createRng(11, 4);
      for (let day = 0; day < 10; day++) {
        const stays = scenario.city.agents.flatMap((agent) => {
          rng.reseed(11, 10_000_000 + day * 1500 + agent.id);
          return scenario.stays(agent, { day, weekday: day % 7, staysHome: false }, rng, 10 * DAY);
        });
        const before = new Map(epidemic.courses);
        for (const t of epidemic.advance(stays, day * DAY, (day + 1) * DAY)) {
          const infector = before.get(t.infector)!;
          expect(t.at).toBeGreaterThanOrEqual(infector.infectiousFrom);
          expect(t.at).toBeLessThan(infector.infectiousUntil);
          const together = stays.filter(
            (s) =>
              (s.agent === t.infector || s.agent === t.infectee) &&
              s.place === t.place &&
              s.start <= t.at &&
              s.end > t.at,
          );
          expect(new Set(together.map((s) => s.agent))).toEqual(new Set([t.infector, t.infectee]));
        }
      }
      return epidemic.transmissions;
    };
    const first = run();
    expect(first.length).toBeGreaterThan(0);
    expect(run()).toEqual(first);
  });

  it('draws courses whose reports follow onset and whose isolation starts by the first report', () => {
    const rng = createRng(5);
    for (let i = 0; i < 500; i++) {
      const course = drawCourse(rng, 0, null, true, DEFAULT_DISEASE);
      expect(course.infectiousFrom).toBeGreaterThanOrEqual(2 * DAY);
      expect(course.infectiousFrom).toBeLessThanOrEqual(4 * DAY);
      if (course.onsetAt === null) {
        expect(course.selfReportAt).toBeNull();
        expect(course.confirmedAt).toBeNull();
        continue;
      }
      if (course.selfReportAt !== null) expect(course.selfReportAt).toBeGreaterThan(course.onsetAt);
      if (course.confirmedAt !== null) expect(course.confirmedAt).toBeGreaterThan(course.onsetAt);
      const firstReport = Math.min(course.selfReportAt ?? Infinity, course.confirmedAt ?? Infinity);
      if (Number.isFinite(firstReport)) expect(course.isolatesFrom).toBeLessThanOrEqual(firstReport);
    }
  });
});

describe('Bluetooth encounters', () => {
  it('are recorded only while the peer held a token, one observation per token heard', () => {
    const timeline = planTimeline(Date.UTC(2026, 10, 30, 12, 0), 2, 1000);
    const base = timeline.origin + DAY + 11 * HOUR;
    const tokens = [
      { token: 'AAAAAAAAAAAAAAAAAAAAAA', validFrom: base, validTo: base + 15 * MINUTE },
      { token: 'BBBBBBBBBBBBBBBBBBBBBB', validFrom: base + 15 * MINUTE, validTo: base + 30 * MINUTE },
    ];
    const start = DAY + 10 * HOUR + 50 * MINUTE; // 10 minutes before the first token
    const contact = { a: stay(1, 0, 0, 0, 0), b: stay(2, 0, 0, 0, 0), close: true, start, end: start + 30 * MINUTE };
    let n = 0;
    const observations = proximityObservations(timeline, contact, tokens, createRng(1), () => `id-${n++}`);
    expect(observations.map((o) => [o.peer_token, o.started_at, o.ended_at])).toEqual([
      ['AAAAAAAAAAAAAAAAAAAAAA', new Date(base).toISOString(), new Date(base + 15 * MINUTE).toISOString()],
      [
        'BBBBBBBBBBBBBBBBBBBBBB',
        new Date(base + 15 * MINUTE).toISOString(),
        new Date(base + 20 * MINUTE).toISOString(),
      ],
    ]);
    expect(observations.every((o) => o.attenuation_db >= 45 && o.attenuation_db <= 65)).toBe(true);
    expect(proximityObservations(timeline, contact, [], createRng(1), () => 'x')).toEqual([]);
  });
});

describe('a superspreading event: a choir rehearsal', () => {
  const city = generateCity({ population: 600, seed: 2026 });
  const choir = neighbourhoodChoir(city, { day: 3 });
  const distance = (agent: number) => {
    const home = city.places[city.agents[agent]!.home]!;
    return distanceMetres(home, city.places[choir.place]!);
  };

  it("has Skagit County's attack rate: 52 of 60 over a 150-minute rehearsal (Hamner et al., MMWR 2020)", () => {
    expect(1 - Math.exp(-CHOIR_HAZARD_PER_MINUTE * 150)).toBeCloseTo(52 / 60, 10);
    expect(choir.end - choir.start).toBe(150 * MINUTE);
    expect(choir.start).toBe(3 * DAY + 19 * HOUR);
    expect(choir.hazardPerMinute).toBe(CHOIR_HAZARD_PER_MINUTE);
  });

  it('is sung at a venue by the adults living nearest to it, the index singer among them', () => {
    expect(city.places[choir.place]!.kind).toBe('venue');
    const adults = city.agents.filter((a) => !a.child).length;
    expect(choir.attendees).toHaveLength(Math.min(61, Math.floor(adults / 8)));
    expect(new Set(choir.attendees).size).toBe(choir.attendees.length);
    expect(choir.attendees).toContain(choir.index);
    const farthest = Math.max(...choir.attendees.map(distance));
    for (const agent of city.agents) {
      if (choir.attendees.includes(agent.id)) expect(agent.child).toBe(false);
      else if (!agent.child) expect(distance(agent.id)).toBeGreaterThanOrEqual(farthest - 1e-6);
    }
    expect(neighbourhoodChoir(city, { day: 3 })).toEqual(choir);
  });

  it("puts the rehearsal into a singer's day: contiguous stays, an evening out given up for it", () => {
    const home = 7;
    const day = [
      stay(1, home, 0, 3 * 1440, 3 * 1440 + 18.5 * 60),
      stay(1, 40, 2, 3 * 1440 + 18.5 * 60, 3 * 1440 + 20 * 60), // an evening out at another venue
      stay(1, home, 0, 3 * 1440 + 20 * 60, 4 * 1440),
    ];
    const withChoir = withGathering(day, choir, home, 5);
    expect(withChoir).toEqual([
      stay(1, home, 0, 3 * 1440, 3 * 1440 + 18.5 * 60),
      stay(1, home, 0, 3 * 1440 + 18.5 * 60, 3 * 1440 + 19 * 60),
      { agent: 1, place: choir.place, spot: 5, start: choir.start, end: choir.end },
      stay(1, home, 0, 3 * 1440 + 21.5 * 60, 4 * 1440),
    ]);
  });

  it('infects attendees with its own hazard and leaves every other contact to the everyday rule', () => {
    const infector = choir.attendees[0]!;
    const infectee = choir.attendees[1]!;
    const course = presymptomaticAt(drawCourse(createRng(1), 0, null, true, DEFAULT_DISEASE), choir.start);
    const courses = new Map([[infector, course]]);
    const everyday = () => 123;
    const decide = gatheringDecision([choir], courses, everyday);
    const contactAt = (place: number, a: number, b: number) => {
      const x = { agent: a, place, spot: 0, start: choir.start, end: choir.end };
      const y = { agent: b, place, spot: 3, start: choir.start, end: choir.end };
      return { infector: a, infectee: b, contact: { a: x, b: y, close: false, start: choir.start, end: choir.end } };
    };
    // The chance over the whole rehearsal is 52/60 (infectiousness 1 before onset): a draw below it infects.
    const below = { nextFloat: () => 0.86 } as never;
    const above = { nextFloat: () => 0.87 } as never;
    expect(course.infectiousness).toBe(1);
    expect(decide(contactAt(choir.place, infector, infectee), below)).not.toBeNull();
    expect(decide(contactAt(choir.place, infector, infectee), above)).toBeNull();
    // Someone who is not a singer, or the same people elsewhere: the everyday rule decides.
    const stranger = city.agents.find((a) => !choir.attendees.includes(a.id))!.id;
    expect(decide(contactAt(choir.place, infector, stranger), above)).toBe(123);
    expect(decide(contactAt(choir.place + 1, infector, infectee), above)).toBe(123);
  });

  it('brings it with an index singer who is infectious and not yet ill that evening, the durations kept', () => {
    const drawn = drawCourse(createRng(9), 5 * DAY, null, true, DEFAULT_DISEASE);
    const moved = presymptomaticAt(drawn, choir.start);
    expect(moved.infectiousFrom).toBe(choir.start - 6 * HOUR);
    expect(moved.infectiousUntil - moved.infectiousFrom).toBe(drawn.infectiousUntil - drawn.infectiousFrom);
    expect(moved.infectiousFrom - moved.infectedAt).toBe(drawn.infectiousFrom - drawn.infectedAt);
    if (moved.onsetAt !== null) expect(moved.onsetAt).toBeGreaterThan(choir.end);
    expect(moved.isolatesFrom === null || moved.isolatesFrom > choir.end).toBe(true);
  });

  it('infects most singers in a generated city, the same way for the same seed', () => {
    const run = () => {
      const scenario = generatedScenario({ population: 600, seed: 2026, initialInfections: 12, choir: { day: 3 } });
      const [gathering] = scenario.gatherings!;
      const epidemic = new Epidemic(scenario.city, {
        seed: 2026,
        course: scenario.course,
        gatherings: scenario.gatherings,
      });
      epidemic.seed(scenario.seeds);
      const rng = createRng(2026, 4);
      for (let day = 0; day <= 3; day++) {
        const stays = scenario.city.agents.flatMap((agent) => {
          rng.reseed(2026, 10_000_000 + day * 600 + agent.id);
          const context = { day, weekday: (day + 1) % 7, staysHome: false };
          return scenario.stays(agent, context, rng, 4 * DAY);
        });
        epidemic.advance(stays, day * DAY, (day + 1) * DAY);
      }
      const atRehearsal = epidemic.transmissions.filter(
        (t) => t.place === gathering!.place && t.at >= gathering!.start && t.at < gathering!.end,
      );
      return { gathering: gathering!, atRehearsal, index: epidemic.courses.get(gathering!.index)! };
    };
    const { gathering, atRehearsal, index } = run();
    expect(index.infector).toBeNull();
    expect(index.infectiousFrom).toBeLessThan(gathering.start);
    for (const t of atRehearsal) expect(gathering.attendees).toContain(t.infectee);
    // 52/60 expected among the others; far above what an evening at a venue does otherwise.
    expect(atRehearsal.length).toBeGreaterThan(0.7 * (gathering.attendees.length - 1));
    expect(run().atRehearsal).toEqual(atRehearsal);
  });
});

describe('a village apart from the town', () => {
  const city = generateCity({ population: 600, seed: 2026, village: { population: 200, distanceMetres: 4000 } });
  const village = city.village!;
  const villagers = city.agents.filter((a) => city.places[a.home]!.neighbourhood === village);
  const townsfolk = city.agents.filter((a) => city.places[a.home]!.neighbourhood !== village);
  const centre = (ids: readonly number[]) => ({
    lat: ids.reduce((s, id) => s + city.places[id]!.lat, 0) / ids.length,
    lng: ids.reduce((s, id) => s + city.places[id]!.lng, 0) / ids.length,
  });

  it('houses its people some 4 km from the town, with its own workplaces, school and venue', () => {
    expect(generateCity({ population: 600, seed: 2026 }).village).toBeUndefined();
    expect(villagers).toHaveLength(200);
    expect(townsfolk).toHaveLength(400);
    const gap = distanceMetres(centre(villagers.map((a) => a.home)), centre(townsfolk.map((a) => a.home)));
    expect(gap).toBeGreaterThan(3000);
    expect(gap).toBeLessThan(5000);
    for (const kind of ['work', 'school', 'venue'] as const)
      expect(city.places.some((p) => p.kind === kind && p.neighbourhood === village)).toBe(true);
    expect(generateCity({ population: 600, seed: 2026, village: { population: 200, distanceMetres: 4000 } })).toEqual(
      city,
    );
  });

  it('keeps to itself: its people work and go out there mostly, the town never goes there', () => {
    const inVillage = (place: number) => city.places[place]!.neighbourhood === village;
    for (const a of townsfolk) if (a.daytime !== null) expect(inVillage(a.daytime)).toBe(false);
    const commuting = villagers.filter((a) => a.daytime !== null);
    const local = commuting.filter((a) => inVillage(a.daytime!)).length;
    expect(local / commuting.length).toBeGreaterThan(0.8);
    const rng = createRng(5, 9);
    let townAtVillageVenue = 0;
    let villagersOut = 0;
    let villagersAtHome = 0;
    for (let day = 0; day < 14; day++)
      for (const agent of city.agents)
        for (const s of dailyStays(city, agent, { day, weekday: day % 7, staysHome: false }, rng)) {
          if (city.places[s.place]!.kind !== 'venue') continue;
          if (villagers.includes(agent)) {
            if (inVillage(s.place)) villagersAtHome++;
            else villagersOut++;
          } else if (inVillage(s.place)) townAtVillageVenue++;
        }
    expect(townAtVillageVenue).toBe(0);
    // Three outings in four in one's own neighbourhood, as anyone's (schedule.ts); the others in the town.
    expect(villagersAtHome).toBeGreaterThan(2 * villagersOut);
  });

  it("holds the scenario's choir in the village, sung by at most one in three of its adults", () => {
    const scenario = generatedScenario({
      population: 600,
      seed: 2026,
      village: { population: 200, distanceMetres: 4000 },
      choir: { day: 5 },
    });
    const [choir] = scenario.gatherings!;
    expect(scenario.city.places[choir!.place]!.neighbourhood).toBe(village);
    const adults = villagers.filter((a) => !a.child).length;
    expect(choir!.attendees).toHaveLength(Math.min(61, Math.floor(adults / 3)));
    for (const id of choir!.attendees)
      expect(scenario.city.places[scenario.city.agents[id]!.home]!.neighbourhood).toBe(village);
  });
});

describe('infections from outside over the days', () => {
  const options = {
    population: 600,
    seed: 7,
    initialInfections: 0,
    village: { population: 200, distanceMetres: 4000 },
    importations: { perDay: 5, fromDay: -10, toDay: 11 },
  };

  it('infects townspeople (never villagers) at random times between the two days, the same for the same seed', () => {
    const scenario = generatedScenario(options);
    expect(scenario.seeds).toHaveLength(5 * 21);
    for (const { agent, at } of scenario.seeds) {
      expect(scenario.city.places[scenario.city.agents[agent]!.home]!.neighbourhood).not.toBe(scenario.city.village);
      expect(at).toBeGreaterThanOrEqual(-10 * DAY);
      expect(at).toBeLessThan(11 * DAY);
    }
    expect(scenario.seeds.filter((s) => s.at < 0).length).toBeGreaterThan(30);
    expect(scenario.seeds.filter((s) => s.at >= 0).length).toBeGreaterThan(30);
    expect(generatedScenario(options).seeds).toEqual(scenario.seeds);
    expect(generatedScenario({ ...options, importations: undefined }).seeds).toEqual([]);
  });

  it("draws courses with the scenario's disease, and hands it to the epidemic", () => {
    const disease = { ...DEFAULT_DISEASE, confirmAfterReportShare: 1 };
    const scenario = generatedScenario({ ...options, disease });
    expect(scenario.disease).toBe(disease);
    let selfReports = 0;
    for (let agent = 0; agent < 400; agent++) {
      const course = scenario.course!(agent, 0, null, createRng(3, agent));
      if (course.selfReportAt === null) continue;
      selfReports++;
      expect(course.confirmedAt).not.toBeNull();
    }
    expect(selfReports).toBeGreaterThan(50);
    expect(generatedScenario(options).disease).toBeUndefined();
  });
});

describe("the demo's scenario", () => {
  it('is a town fed from outside and a village whose choir sings a week before the end, its self-reports all tested', () => {
    const scenario = demoScenario({ population: 600, days: 12, seed: 2026 });
    const { city } = scenario;
    const [choir] = scenario.gatherings!;
    expect(city.agents.filter((a) => city.places[a.home]!.neighbourhood === city.village)).toHaveLength(200);
    expect(city.places[choir!.place]!.neighbourhood).toBe(city.village);
    expect(choir!.start).toBe(5 * DAY + 19 * HOUR);
    // 5 a day from 10 days before the first day to the last one, and the index singer.
    expect(scenario.seeds).toHaveLength(5 * 21 + 1);
    expect(scenario.disease).toEqual(DEMO_DISEASE);
    expect(DEMO_DISEASE.confirmAfterReportShare).toBe(1);
    expect(DEMO_DISEASE.betaClose).toBe(DEFAULT_DISEASE.betaClose / 2);
    expect(demoScenario({ population: 600, days: 12, seed: 2026 }).seeds).toEqual(scenario.seeds);
  });
});
