import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../src/platform/db/group-commit.js';

/** A batch writer that records each batch and finishes only when the test says so. */
function gatedWriter() {
  const batches: number[][] = [];
  const gates: Array<() => void> = [];
  let inFlight = 0;
  let mostInFlight = 0;
  const write = async (items: readonly number[]) => {
    batches.push([...items]);
    inFlight += 1;
    mostInFlight = Math.max(mostInFlight, inFlight);
    await new Promise<void>((resolve) => gates.push(resolve));
    inFlight -= 1;
    return items.map((n) => (n < 0 ? new Error(`refused ${n}`) : n * 10));
  };
  const releaseNext = async () => {
    while (gates.length === 0) await new Promise((r) => setImmediate(r));
    gates.shift()!();
  };
  return { write, batches, releaseNext, mostInFlight: () => mostInFlight };
}

describe('GroupCommit', () => {
  it('writes an item submitted while nothing is in flight on its own, without waiting for more', async () => {
    const w = gatedWriter();
    const group = new GroupCommit(w.write, { maxBatch: 10 });
    const one = group.submit(1);
    await w.releaseNext();
    expect(await one).toBe(10);
    expect(w.batches).toEqual([[1]]);
  });

  it('items submitted while a write is in flight are written together by the next write, in order', async () => {
    const w = gatedWriter();
    const group = new GroupCommit(w.write, { maxBatch: 10 });
    const first = group.submit(1);
    while (w.batches.length === 0) await new Promise((r) => setImmediate(r));
    const later = [group.submit(2), group.submit(3)];
    await new Promise((r) => setTimeout(r, 5));
    const latest = group.submit(4);
    expect(w.batches).toEqual([[1]]); // the others wait for the first write
    await w.releaseNext();
    expect(await first).toBe(10);
    await w.releaseNext();
    expect(await Promise.all([...later, latest])).toEqual([20, 30, 40]);
    expect(w.batches).toEqual([[1], [2, 3, 4]]);
    expect(w.mostInFlight()).toBe(1);
  });

  it('an Error in an item’s slot fails that item only', async () => {
    const w = gatedWriter();
    const group = new GroupCommit(w.write, { maxBatch: 10 });
    const results = [group.submit(5), group.submit(-1), group.submit(6)].map((p) =>
      p.then(
        (v) => ({ v }),
        (e: Error) => ({ e: e.message }),
      ),
    );
    await w.releaseNext();
    expect(await Promise.all(results)).toEqual([{ v: 50 }, { e: 'refused -1' }, { v: 60 }]);
    expect(w.batches).toEqual([[5, -1, 6]]);
  });

  it('splits at maxBatch and still writes one batch at a time', async () => {
    const w = gatedWriter();
    const group = new GroupCommit(w.write, { maxBatch: 2 });
    const all = [1, 2, 3, 4, 5].map((n) => group.submit(n));
    for (let i = 0; i < 3; i++) await w.releaseNext();
    expect(await Promise.all(all)).toEqual([10, 20, 30, 40, 50]);
    expect(w.batches).toEqual([[1, 2], [3, 4], [5]]);
    expect(w.mostInFlight()).toBe(1);
  });

  it('a writer that throws fails its batch, and the next batch is still written', async () => {
    let calls = 0;
    const group = new GroupCommit<number, number>(
      async (items) => {
        calls += 1;
        if (calls === 1) throw new Error('database down');
        return items.map((n) => n);
      },
      { maxBatch: 10 },
    );
    await expect(group.submit(1)).rejects.toThrow('database down');
    expect(await group.submit(2)).toBe(2);
  });
});
