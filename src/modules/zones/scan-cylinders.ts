/**
 * The candidate cylinders of the scan statistic (see scan-statistic.ts) and their constants. Everything here
 * depends only on the cell totals and the day totals, which the permutation keeps: it is computed once per run.
 */

import type { RingsFunction } from './scan-types.js';

/** minCount of a cylinder that can never be a high-rate cluster. */
const NEVER = 0x7fffffff;

/**
 * The bases of every centre as incremental rings ("levels"): level g adds the cells with cases that ring
 * levelRadius[g] adds to its centre's disk. Centres are cell indices.
 */
export interface CylinderLevels {
  /** Levels of centre i are centreLevelStart[i] .. centreLevelStart[i+1]-1. */
  readonly centreLevelStart: Int32Array;
  readonly levelRadius: Int32Array;
  /** New cells (with cases) of level g are levelCells[levelCellStart[g] .. levelCellStart[g+1]-1]. */
  readonly levelCellStart: Int32Array;
  readonly levelCells: Int32Array;
  /** c_Z.: cases of the whole disk of level g. */
  readonly levelBase: readonly number[];
}

/**
 * Grows each centre's disk ring by ring up to K rings. A ring that adds no cell with cases is skipped (it would
 * repeat the previous cylinder); a ring that takes the disk over maxCaseFraction of the C cases ends the centre.
 */
export function buildLevels(
  cellIds: readonly string[],
  cellIndex: ReadonlyMap<string, number>,
  cellTotal: Float64Array,
  rings: RingsFunction,
  K: number,
  maxCaseFraction: number,
  C: number,
): CylinderLevels {
  const nCells = cellIds.length;
  const capCases = maxCaseFraction * C * (1 + 1e-12);
  const centreLevelStart = new Int32Array(nCells + 1);
  const levelRadiusList: number[] = [];
  const levelCellStartList: number[] = [0];
  const levelCellsList: number[] = [];
  const levelBase: number[] = [];
  const stamp = new Int32Array(nCells);
  for (let i = 0; i < nCells; i++) {
    centreLevelStart[i] = levelRadiusList.length;
    const centre = cellIds[i]!;
    const rs = rings(centre, K);
    if (!Array.isArray(rs) || rs.length === 0 || !Array.isArray(rs[0]) || !rs[0].includes(centre)) {
      throw new Error(`rings(${centre}, ${K}) must return an array of rings whose ring 0 contains the centre`);
    }
    let base = 0;
    const maxR = Math.min(K, rs.length - 1);
    for (let r = 0; r <= maxR; r++) {
      const ring = rs[r];
      if (!Array.isArray(ring)) throw new Error(`rings(${centre}, ${K})[${r}] is not an array`);
      let added = 0;
      let addedCases = 0;
      for (const c of ring as readonly string[]) {
        const z = cellIndex.get(c);
        if (z === undefined || stamp[z] === i + 1) continue; // no cases, or already in an inner ring
        stamp[z] = i + 1;
        levelCellsList.push(z);
        added++;
        addedCases += cellTotal[z]!;
      }
      if (added === 0) continue;
      base += addedCases;
      if (base > capCases) {
        levelCellsList.length -= added; // this ring exceeds the cap: stop growing this centre
        break;
      }
      levelRadiusList.push(r);
      levelBase.push(base);
      levelCellStartList.push(levelCellsList.length);
    }
  }
  centreLevelStart[nCells] = levelRadiusList.length;
  return {
    centreLevelStart,
    levelRadius: Int32Array.from(levelRadiusList),
    levelCellStart: Int32Array.from(levelCellStartList),
    levelCells: Int32Array.from(levelCellsList),
    levelBase,
  };
}

/** Inverse index: the levels in which cell z is a new cell, each as g * D (the index of its first cylinder). */
export interface CellLevels {
  /** Entries of cell z are cellLevelBase[cellLevelStart[z] .. cellLevelStart[z+1]-1]. */
  readonly cellLevelStart: Int32Array;
  readonly cellLevelBase: Int32Array;
}

/** Inverts level -> new cells into cell -> levels, by counting sort. */
export function invertLevels(levels: CylinderLevels, nCells: number, D: number): CellLevels {
  const { levelCellStart, levelCells } = levels;
  const nLevels = levels.levelRadius.length;
  const cellLevelStart = new Int32Array(nCells + 1);
  for (let k = 0; k < levelCells.length; k++) cellLevelStart[levelCells[k]! + 1]!++;
  for (let z = 0; z < nCells; z++) cellLevelStart[z + 1] = cellLevelStart[z + 1]! + cellLevelStart[z]!;
  const cellLevelBase = new Int32Array(levelCells.length);
  const fillPos = cellLevelStart.slice(0, nCells);
  for (let g = 0; g < nLevels; g++) {
    for (let k = levelCellStart[g]!; k < levelCellStart[g + 1]!; k++) {
      const z = levelCells[k]!;
      cellLevelBase[fillPos[z]!] = g * D;
      fillPos[z] = fillPos[z]! + 1;
    }
  }
  return { cellLevelStart, cellLevelBase };
}

/** Per-cylinder constants, at index g * D + t for level g and duration t+1. */
export interface CylinderConstants {
  /** Expected count mu_A; Infinity when the cylinder can never be a high-rate cluster. */
  readonly mu: Float64Array;
  readonly slope: Float64Array;
  readonly offset: Float64Array;
  /** Smallest count evaluated: max(minCases, floor(mu) + 1). */
  readonly minCount: Int32Array;
}

/**
 * LLR = c ln(c/mu) + (C-c) ln((C-c)/(C-mu)) = T[c] - c * a - b with
 *   T[c] = c ln(c/C) + (C-c) ln(1 - c/C),  a = ln(mu/C) - ln(1 - mu/C) (slope),  b = C ln(1 - mu/C) (offset),
 * where mu = c_Z. * m_t / C for the level's base c_Z. and the window total m_t.
 */
export function cylinderConstants(
  levelBase: readonly number[],
  windowTotal: Float64Array,
  D: number,
  C: number,
  minCases: number,
): CylinderConstants {
  const nLevels = levelBase.length;
  const nCyl = nLevels * D;
  const mu = new Float64Array(nCyl);
  const slope = new Float64Array(nCyl);
  const offset = new Float64Array(nCyl);
  const minCount = new Int32Array(nCyl).fill(NEVER);
  for (let g = 0; g < nLevels; g++) {
    const nz = levelBase[g]!;
    for (let t = 0; t < D; t++) {
      const m = (nz * windowTotal[t]!) / C;
      const idx = g * D + t;
      if (!(m > 0) || m >= C) {
        mu[idx] = Infinity; // no case can exceed it: never a high-rate cluster
        continue;
      }
      mu[idx] = m;
      const q = m / C;
      slope[idx] = Math.log(q) - Math.log1p(-q);
      offset[idx] = C * Math.log1p(-q);
      minCount[idx] = Math.min(NEVER, Math.max(minCases, Math.floor(m) + 1));
    }
  }
  return { mu, slope, offset, minCount };
}

/** T[c] = c ln(c/C) + (C-c) ln(1 - c/C) for c = 0..C (T[0] = 0), so the scan's inner loop has no logarithm. */
export function buildLlrTable(C: number): Float64Array {
  const llrTable = new Float64Array(C + 1);
  for (let c = 1; c <= C; c++) {
    const q = c / C;
    llrTable[c] = c * Math.log(q) + (c < C ? (C - c) * Math.log1p(-q) : 0);
  }
  return llrTable;
}
