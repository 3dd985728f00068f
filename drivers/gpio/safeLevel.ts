import type { GpioLevel } from '../../controller/gpio.js';

/** How a line's meaning maps to volts: 'high' means active at 3.3 V, 'low' means active at 0 V. */
export type ActiveLevel = 'high' | 'low';

/** The electrical level for `state` on a line whose active level is `activeLevel`. */
export function levelFor(state: 'active' | 'inactive', activeLevel: ActiveLevel): GpioLevel {
  const activeHigh = activeLevel === 'high';
  return (state === 'active') === activeHigh ? 1 : 0;
}

/** True when `level` is the active one. */
export function isActive(level: GpioLevel, activeLevel: ActiveLevel): boolean {
  return level === levelFor('active', activeLevel);
}
