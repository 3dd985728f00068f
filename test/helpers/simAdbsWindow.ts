import { join } from 'node:path';
import { loadConfigFile } from '../../config/load.js';
import { REPO } from './cli.js';

/**
 * The window and hop of config/examples/sim-adbs.yaml, read from the file: the tests that
 * count frames of `npm start`'s loop follow the example's tuning instead of copying it.
 */
function simAdbsWindow(): { window_samples: number; hop_samples: number } {
  const { signals } = loadConfigFile(join(REPO, 'config/examples/sim-adbs.yaml'));
  if (signals.hop_samples === undefined) throw new Error('config/examples/sim-adbs.yaml: the tests expect signals.hop_samples to be set');
  return { window_samples: signals.window_samples, hop_samples: signals.hop_samples };
}

export const SIM_ADBS = simAdbsWindow();
