import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCsvDecimal, scanCsvDecimal } from '../../drivers/csvDecimal.js';

/**
 * The CSV reader's hand-written decimal parser against the language's own: for every text,
 * the value must be exactly Number(text) (the same float64, sign of zero included) when the
 * text is a number the reader accepts, and NaN otherwise. The grammar is the reader's
 * documented one (drivers/csvSignalReader.ts).
 */
const ACCEPTED = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function parse(text: string): number {
  const bytes = Buffer.from(text, 'utf8');
  return parseCsvDecimal(bytes, 0, bytes.length);
}

function expectSameAsNumber(text: string): void {
  const got = parse(text);
  if (ACCEPTED.test(text)) expect(Object.is(got, Number(text)), `${text}: got ${got}, Number() gives ${Number(text)}`).toBe(true);
  else expect(got, text).toBeNaN();
}

const digits = (maxLength: number) => fc.string({ unit: fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '7', '8', '9'), maxLength });
/** Texts shaped like decimals, with every optional part and lengths around the exact-integer limit. */
const decimalText = fc
  .tuple(fc.constantFrom('', '-', '+'), digits(20), fc.constantFrom('', '.'), digits(25), fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '-', '+'), digits(4))))
  .map(([sign, whole, point, fraction, exponent]) => `${sign}${whole}${point}${fraction}${exponent === null ? '' : exponent.join('')}`);

describe('parseCsvDecimal equals Number()', () => {
  it('on the shortest text of any double (String(x))', () => {
    fc.assert(fc.property(fc.double({ noNaN: true }), (x) => expectSameAsNumber(String(x))), { numRuns: 20_000 });
  });

  it('on doubles written with fixed decimals, with precision and in exponent form', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e21, max: 1e21 }), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 1, max: 21 }), (x, decimals, precision) => {
        expectSameAsNumber(x.toFixed(decimals));
        expectSameAsNumber(x.toPrecision(precision));
        expectSameAsNumber(x.toExponential(precision - 1));
      }),
      { numRuns: 20_000 },
    );
  });

  it('on microvolt samples as a recorder prints them (up to 9 decimals)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 }), fc.integer({ min: 0, max: 9 }), (n, decimals) => {
        const text = (n / 10 ** decimals).toFixed(decimals);
        expectSameAsNumber(text);
        expectSameAsNumber(text.replace(/^(-?)0\./, '$1.'));
      }),
      { numRuns: 20_000 },
    );
  });

  it('on decimal-shaped texts: long digit strings, leading zeros, bare points, exponents', () => {
    fc.assert(fc.property(decimalText, expectSameAsNumber), { numRuns: 20_000 });
  });

  it('on any text at all (NaN unless it is an accepted number)', () => {
    fc.assert(fc.property(fc.string({ maxLength: 12 }), expectSameAsNumber), { numRuns: 20_000 });
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom('1', '0', '.', 'e', 'E', '-', '+', ' ', 'n', 'a', '\u00a0'), maxLength: 8 }), expectSameAsNumber), { numRuns: 20_000 });
  });

  it.each([
    '0', '-0', '-0.0', '+0', '00012.50', '1.', '.5', '+.5', '-.5', '1.e5', '.5e-3', '1E22', '1e23', '9007199254740991', '9007199254740992', '9007199254740993',
    '123456789012345678901234567890', '0.1234567890123456789', '1e-400', '1e400', '-1e400', '5e-324', '2.2250738585072014e-308', '1.7976931348623157e308',
    '0.1', '0.3', '1e-22', '1e-23', '4.35e-21', '1e99999999999',
  ])('edge %s', (text) => expectSameAsNumber(text));

  it.each(['', '.', '-', '+', 'e5', '.e5', '1e', '1e+', '1.5.3', '--1', '1x', ' 1', '1 ', 'NaN', 'Infinity', '0x10', '1_0', '١'])('not a number: "%s"', (text) => {
    expect(parse(text)).toBeNaN();
  });
});

describe('scanCsvDecimal', () => {
  it('stops after the number and stores it at the place asked, inside a larger buffer', () => {
    const bytes = Buffer.from('xx-12.5e1,7', 'latin1');
    const out = new Float64Array(3);
    expect(scanCsvDecimal(bytes, 2, bytes.length, out, 1)).toBe(9);
    expect(out[1]).toBe(-125);
    expect(scanCsvDecimal(bytes, 10, bytes.length, out, 2)).toBe(11);
    expect(out[2]).toBe(7);
    // Never reads at or past the limit: "-12.5e1" cut at "-12." is -12.
    expect(scanCsvDecimal(bytes, 2, 6, out, 0)).toBe(6);
    expect(out[0]).toBe(-12);
  });

  it('-1 and the output untouched when no number starts there', () => {
    const out = new Float64Array([42]);
    expect(scanCsvDecimal(Buffer.from('nan'), 0, 3, out, 0)).toBe(-1);
    expect(scanCsvDecimal(Buffer.from('1e+,'), 0, 4, out, 0)).toBe(-1);
    expect(out[0]).toBe(42);
  });
});
