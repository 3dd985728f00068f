/**
 * Where doctor looks at the machine. The defaults are the real places; the environment
 * variables move them for tests (fake trees in a temporary folder) and for containers that
 * mount the host's /dev or /sys elsewhere. They move what doctor reads, not what the
 * drivers open: i2c-bus always opens /dev/i2c-<bus>, so doctor does not talk to chips
 * when NEUROLOOP_DEV_ROOT is set.
 */
export interface MachineRoots {
  readonly dev: string;
  readonly sysfsGpio: string;
  /** True when dev is not /dev: chip probes are skipped (they would go to the real /dev). */
  readonly devMoved: boolean;
}

export const DEV_ROOT_ENV = 'NEUROLOOP_DEV_ROOT';
export const SYSFS_GPIO_ROOT_ENV = 'NEUROLOOP_SYSFS_GPIO_ROOT';

export function machineRoots(env: NodeJS.ProcessEnv = process.env): MachineRoots {
  const dev = nonEmpty(env[DEV_ROOT_ENV]) ?? '/dev';
  return {
    dev,
    sysfsGpio: nonEmpty(env[SYSFS_GPIO_ROOT_ENV]) ?? '/sys/class/gpio',
    devMoved: dev.replace(/\/+$/, '') !== '/dev',
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
