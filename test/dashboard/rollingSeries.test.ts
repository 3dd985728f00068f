import { describe, expect, it } from 'vitest';
import { RollingSeries } from '../../web/dashboard/rollingSeries.js';

describe('RollingSeries.copyInto', () => {
  const filled = (rows: number, capacity: number): RollingSeries => {
    const s = new RollingSeries(capacity, 2);
    for (let i = 0; i < rows; i++) s.push([i, i % 3 === 0 ? Number.NaN : i * 10]);
    return s;
  };

  it('copies every row oldest first, NaN as null, across the ring wrap', () => {
    const target: (number | null)[][] = [[], []];
    filled(7, 5).copyInto(target, [0, 1]);
    expect(target).toEqual([
      [2, 3, 4, 5, 6],
      [20, null, 40, 50, null],
    ]);
  });

  it('from an x on: the last row before it and every row after (the window the charts show)', () => {
    const target: (number | null)[][] = [[99, 99, 99, 99, 99, 99], []];
    const s = filled(7, 5);
    s.copyInto(target, [0, 1], 4.5);
    expect(target).toEqual([
      [4, 5, 6],
      [40, 50, null],
    ]);
    s.copyInto(target, [0], 2);
    expect(target[0]).toEqual([2, 3, 4, 5, 6]);
    // Past the newest row: the newest only.
    s.copyInto(target, [0], 100);
    expect(target[0]).toEqual([6]);
  });
});
