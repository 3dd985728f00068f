import { readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { type CsvSignalOptions, openCsvSignal } from '../../drivers/csvSignalReader.js';
import { tempDir } from '../helpers/cli.js';

/**
 * The CSV reader parses bytes in chunks; these tests put the chunk ends everywhere
 * (read_bytes down to 1) and check that what comes out is what the text says: every value
 * exactly Number(cell), lines counted as a text reader counts them (\n, \r\n and a lone \r
 * end a line; blank lines count), and a bad cell named by its line and column.
 */

const dir = tempDir('neuroloop-csv-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
function csvFile(text: string): string {
  const path = join(dir, `f${files++}.csv`);
  writeFileSync(path, text);
  return path;
}

interface Read {
  channels: readonly string[];
  hasTime: boolean;
  fs_Hz: number;
  /** Sample index -> one value per channel. */
  samples: Map<number, number[]>;
  firstIndexes: number[];
}

async function readAll(path: string, options: CsvSignalOptions = {}): Promise<Read> {
  const signal = await openCsvSignal(path, options);
  const samples = new Map<number, number[]>();
  const firstIndexes: number[] = [];
  for await (const block of signal.blocks) {
    firstIndexes.push(block.firstIndex);
    for (let i = 0; i < block.data[0].length; i++) samples.set(block.firstIndex + i, block.data.map((d) => d[i]));
  }
  return { channels: signal.channels, hasTime: signal.hasTime, fs_Hz: signal.fs_Hz, samples, firstIndexes };
}

const CHUNKS = [1, 2, 3, 5, 7, 16, 1 << 20];

/** A cell as a recorder or a spreadsheet may print it, and the value it stands for. */
const sampleCell = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -(2 ** 31), max: 2 ** 31 }).chain((n) => fc.integer({ min: 0, max: 9 }).map((k) => (n / 10 ** k).toFixed(k))) },
  { weight: 3, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }).map(String) },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }).map((x) => x.toExponential(8)) },
  { weight: 1, arbitrary: fc.constantFrom('NaN', 'nan', 'NAN', '-0', '+.5', '1.', '00012.50', '123456789012345678901234567890', '0.1234567890123456789', '9007199254740993') },
);
const space = fc.constantFrom('', '', '', ' ', '\t', '  ', '\u00a0');
const lineEnd = fc.constantFrom('\n', '\n', '\n', '\r\n', '\r');
const blankLines = fc.constantFrom('', '', '', '', '\n', ' \n', '\r\n', '\t\r\n');

describe('openCsvSignal: values and indexes', () => {
  it('gives exactly Number(cell) for every cell, at the index the t column says, wherever the chunks end', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }).chain((channels) =>
          fc.record({
            channels: fc.constant(channels),
            withTime: fc.boolean(),
            rows: fc.array(fc.record({ cells: fc.array(fc.tuple(space, sampleCell, space), { minLength: channels, maxLength: channels }), gap: fc.nat(20), end: lineEnd, blank: blankLines }), { minLength: 2, maxLength: 40 }),
            lastEnd: fc.constantFrom('', '\n', '\r\n', '\r'),
            read_bytes: fc.constantFrom(...CHUNKS),
            block_samples: fc.integer({ min: 1, max: 8 }),
          }),
        ),
        async ({ channels, withTime, rows, lastEnd, read_bytes, block_samples }) => {
          const names = Array.from({ length: channels }, (_, c) => `ch${c}`);
          let text = `${withTime ? 't,' : ''}${names.join(',')}\n`;
          const expected = new Map<number, number[]>();
          let index = 0;
          rows.forEach((row, r) => {
            // Gaps (only where a t column can say so) on at most every fourth row, so that the
            // rows' usual step still gives the sample rate.
            if (withTime && r % 4 === 3 && row.gap > 12) index += row.gap - 12;
            const cells = row.cells.map(([before, cell, after]) => `${before}${cell}${after}`);
            text += `${withTime ? `${index / 250},` : ''}${cells.join(',')}${r === rows.length - 1 ? lastEnd : row.end}${r === rows.length - 1 ? '' : row.blank}`;
            expected.set(index, row.cells.map(([, cell]) => (/^nan$/i.test(cell) ? Number.NaN : Number(cell))));
            index++;
          });
          const read = await readAll(csvFile(text), { fs_Hz: withTime ? undefined : 250, read_bytes, block_samples });
          expect(read.channels).toEqual(names);
          expect(read.fs_Hz).toBe(250);
          expect([...read.samples.keys()]).toEqual([...expected.keys()]);
          for (const [i, values] of expected) {
            read.samples.get(i)?.forEach((v, c) => expect(Object.is(v, values[c]), `sample ${i}, channel ${c}: ${v} vs ${values[c]}`).toBe(true));
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it.each(CHUNKS)('reads a header with a byte-order mark, quotes and spaces, and blank lines anywhere (chunks of %i bytes)', async (read_bytes) => {
    const read = await readAll(csvFile('\n\ufeff t , "C3" ,C4\r\n\r\n0,1,2\n \t\n0.004,3,4\r0.008,5,6'), { read_bytes });
    expect(read).toMatchObject({ channels: ['C3', 'C4'], hasTime: true, fs_Hz: 250 });
    expect([...read.samples.entries()]).toEqual([
      [0, [1, 2]],
      [1, [3, 4]],
      [2, [5, 6]],
    ]);
  });

  it('a line longer than a chunk, and non-ASCII white space around cells (trimmed as text is)', async () => {
    const long = `${'1'.repeat(300)}.5`;
    const read = await readAll(csvFile(`a,b\n${long},\u00a02\u2003\n`), { fs_Hz: 100, read_bytes: 4 });
    expect(read.samples.get(0)).toEqual([Number(long), 2]);
  });

  it('a gap in t starts a new block after the jump', async () => {
    const read = await readAll(csvFile('t,a\n0,1\n0.01,2\n0.05,3\n0.06,4\n'), { block_samples: 100, read_bytes: 3 });
    expect(read.firstIndexes).toEqual([0, 5]);
    expect([...read.samples.keys()]).toEqual([0, 1, 5, 6]);
  });

  it('reports progress up to the whole file', async () => {
    const rows = ['a'];
    for (let i = 0; i < 5000; i++) rows.push(String(i));
    const fractions: number[] = [];
    await readAll(csvFile(`${rows.join('\n')}\n`), { fs_Hz: 100, block_samples: 64, read_bytes: 1024, onProgress: (f) => fractions.push(f) });
    expect(fractions.length).toBeGreaterThan(10);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(fractions[fractions.length - 1]).toBeGreaterThan(0.95);
    expect(fractions[fractions.length - 1]).toBeLessThanOrEqual(1);
  });

  it('closes the file when the reader stops early, and when it is read to the end', async () => {
    const rows = ['a'];
    for (let i = 0; i < 100; i++) rows.push(String(i));
    const path = csvFile(`${rows.join('\n')}\n`);
    const holdsFile = (): boolean => readdirSync('/proc/self/fd').some((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`) === path;
      } catch {
        return false;
      }
    });
    const closed = async (): Promise<boolean> => {
      for (let i = 0; i < 100 && holdsFile(); i++) await new Promise((r) => setTimeout(r, 10));
      return !holdsFile();
    };
    const signal = await openCsvSignal(path, { fs_Hz: 100, block_samples: 8 });
    expect(holdsFile()).toBe(true);
    for await (const block of signal.blocks) {
      expect(block.firstIndex).toBe(0);
      break;
    }
    expect(await closed()).toBe(true);
    await readAll(path, { fs_Hz: 100 });
    expect(await closed()).toBe(true);
  });
});

describe('openCsvSignal: bad cells named by line and column, wherever the chunks end', () => {
  const filler = (rows: number, from = 0): string => Array.from({ length: rows }, (_, i) => `${(from + i) / 250},1`).join('\n');
  const cases: { name: string; text: string; fs_Hz?: number; message: string }[] = [
    { name: 'a word after a lone \\r', text: 't,a\r\n0,1\r0.004,x\n', message: 'line 3, column 2 (a): expected a number, got "x"' },
    { name: 'a ragged row after blank lines', text: 't,a,b\n\n0,1,2\n  \n0.004,1\n', message: 'line 5: expected 3 cells (t,a,b), got 2' },
    { name: 'a row with a cell too many', text: 't,a\n0,1\n0.004,1,2\n', message: 'line 3: expected 2 cells (t,a), got 3' },
    { name: 'an infinite sample', text: 'a\n1\n1e400\n', fs_Hz: 100, message: 'line 3, column 1 (a): expected a finite number, got "1e400"' },
    { name: 'NaN in the t column', text: 't,a\n0,1\nNaN,2\n', message: 'line 3, column 1 (t): expected a number, got "NaN"' },
    { name: 'an empty cell', text: 'a,b\n1,\n', fs_Hz: 100, message: 'line 2, column 2 (b): expected a number, got ""' },
    { name: 'a number run into a word', text: 'a,b\n1,2\n1,2x\n', fs_Hz: 100, message: 'line 3, column 2 (b): expected a number, got "2x"' },
    { name: 'a non-ASCII digit', text: 'a\n\u0661\n', fs_Hz: 100, message: 'line 2, column 1 (a): expected a number, got "\u0661"' },
    { name: 'an exponent without digits', text: 'a\n1e\n', fs_Hz: 100, message: 'line 2, column 1 (a): expected a number, got "1e"' },
    { name: 'a bad cell past the rows read ahead', text: `t,a\n${filler(1200)}\n4.8,oops\n`, message: 'line 1202, column 2 (a): expected a number, got "oops"' },
    { name: 'time going back past the rows read ahead', text: `t,a\r\n${filler(1200).replaceAll('\n', '\r\n')}\r\n0.5,1\r\n`, message: 'line 1202, column 1 (t): 0.5 s is not after the previous row' },
  ];
  it.each(cases.flatMap((c) => CHUNKS.map((read_bytes) => [c.name, read_bytes, c] as const)))('%s (chunks of %i bytes)', async (_name, read_bytes, c) => {
    const path = csvFile(c.text);
    await expect(readAll(path, { fs_Hz: c.fs_Hz, read_bytes })).rejects.toThrow(`${path}: ${c.message}`);
  });

  it('a file that is not there, or a directory', async () => {
    await expect(openCsvSignal(join(dir, 'missing.csv'))).rejects.toThrow(/missing\.csv: file not found/);
    await expect(readAll(dir, { fs_Hz: 100 })).rejects.toThrow(/cannot read \(EISDIR\)/);
  });
});
