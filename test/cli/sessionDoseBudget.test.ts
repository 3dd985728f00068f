import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sessionDoseBudget } from '../../cli/sessionDoseBudget.js';
import { loadConfigFile } from '../../config/load.js';
import { parseConfig } from '../../config/index.js';
import { readConfigFile } from '../../config/load.js';
import { REPO } from '../helpers/cli.js';

/** An example with limits.dose written into it, as a config file would have it (limits are never --set). */
function example(name: string, dose?: Record<string, number>) {
  const raw = readConfigFile(join(REPO, 'config/examples', name)) as { limits: Record<string, unknown> };
  if (dose !== undefined) raw.limits.dose = dose;
  return parseConfig(raw);
}

describe('the dose budget a dashboard draws (loop.dose.budget)', () => {
  it('tDCS and tACS: the current limits are the budget (duration as on-time, charge)', () => {
    expect(sessionDoseBudget(loadConfigFile(join(REPO, 'config/examples/tdcs-ramp.yaml')).limits)).toEqual({ maxOnTime_s: 1200, maxCharge_mC: 2400 });
    const tacs = loadConfigFile(join(REPO, 'config/examples/tacs-alpha.yaml')).limits;
    expect(sessionDoseBudget(tacs)).toEqual({ maxOnTime_s: tacs.current?.maxDuration_s, maxCharge_mC: tacs.current?.maxCharge_mC });
  });

  it('with limits.dose as well, the smaller of each ends the session, so that is the budget; a key only one has stays', () => {
    const both = example('tdcs-ramp.yaml', { maxOnTime_s: 600, maxCharge_mC: 5000, maxPulses: 7 });
    expect(sessionDoseBudget(both.limits)).toEqual({ maxOnTime_s: 600, maxCharge_mC: 2400, maxPulses: 7 });
  });

  it('DBS: limits.dose as it is, and no budget when it has none', () => {
    expect(sessionDoseBudget(example('sim-adbs.yaml', { maxCharge_mC: 90 }).limits)).toEqual({ maxCharge_mC: 90 });
    const none = example('sim-adbs.yaml');
    expect(sessionDoseBudget(none.limits)).toEqual({ ...none.limits.dose });
  });
});
