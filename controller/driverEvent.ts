/**
 * Something an edge (a chip driver) noticed that the session must log, publish and trace:
 * a gap, an I2C error given up on, a fallback from RDY pacing to polling, a stimulator
 * fault. `t_s` is data time.
 */
export interface DriverEvent {
  readonly t_s: number;
  readonly kind: 'driver';
  /** Which part: "ads1115@0x48", "mcp4725@0x60", "gpio". */
  readonly device: string;
  readonly reason: string;
}
