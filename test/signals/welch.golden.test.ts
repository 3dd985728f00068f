import { describe, it } from 'vitest';
import { readGolden } from '../helpers/golden.js';
import { expectWelchMatchesScipy, type WelchGoldenCase } from '../helpers/welchGolden.js';

const golden = readGolden<{ cases: WelchGoldenCase[] }>('welch.json');

describe('Welch PSD and band power against scipy.signal.welch', () => {
  it.each(golden.cases.map((c) => [`${c.x.length} samples, segment ${c.segment} @ ${c.fs_Hz} Hz`, c] as const))('%s', (_name, c) => {
    expectWelchMatchesScipy(c);
  });
});
