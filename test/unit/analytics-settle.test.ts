import { afterEach, describe, expect, it, vi } from 'vitest';
import pino from 'pino';
import type { FastifyBaseLogger } from 'fastify';
import { AnalyticsEngine } from '../../src/modules/analytics/engine.js';
import type { AnalyticsRepository } from '../../src/modules/analytics/repository.js';
import type { EpidemicCases } from '../../src/modules/cases/epidemic-cases.js';
import { MemoryBus } from '../../src/platform/bus/memory-bus.js';

const today = new Date().toISOString().slice(0, 10);
const report = (caseId: string) => ({
  type: 'case.reported',
  case_id: caseId,
  user_id: `user-${caseId}`,
  report_type: 'self_reported',
  onset_date: today,
  report_date: today,
  created: true,
  at: new Date().toISOString(),
});

function engineWith(settleMs: number) {
  const repository = {
    reportDatesOfCases: vi.fn(async () => []),
    notificationsOf: vi.fn(async () => []),
  } as unknown as AnalyticsRepository;
  const engine = new AnalyticsEngine(
    repository,
    {} as EpidemicCases,
    new MemoryBus(),
    { timeZone: 'UTC', publicCellResolution: 7, catchUpDays: 28, settleMs },
    pino({ level: 'silent' }) as unknown as FastifyBaseLogger,
  );
  const recompute = vi.spyOn(engine, 'recomputeDays').mockResolvedValue();
  vi.spyOn(engine, 'recomputeOutcomes').mockResolvedValue();
  return { engine, recompute };
}

describe('analytics settle delay', () => {
  afterEach(() => vi.useRealTimers());

  it('waits settleMs after the first event, then recomputes the days of every event received meanwhile in one batch', async () => {
    vi.useFakeTimers();
    const { engine, recompute } = engineWith(500);
    engine.onEvent(report('a'));
    await vi.advanceTimersByTimeAsync(300);
    engine.onEvent(report('b'));
    await vi.advanceTimersByTimeAsync(199);
    expect(recompute).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    await engine.idle();
    expect(recompute).toHaveBeenCalledTimes(1);
    expect(recompute.mock.calls[0]![1]).toBe(today);
  });

  it('idle() also waits for a batch that is still settling', async () => {
    const { engine, recompute } = engineWith(50);
    engine.onEvent(report('a'));
    expect(recompute).not.toHaveBeenCalled();
    await engine.idle();
    expect(recompute).toHaveBeenCalledTimes(1);
  });

  it('with no delay, starts at once', async () => {
    const { engine, recompute } = engineWith(0);
    engine.onEvent(report('a'));
    await engine.idle();
    expect(recompute).toHaveBeenCalledTimes(1);
  });
});
