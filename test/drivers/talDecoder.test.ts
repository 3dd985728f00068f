import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeTals } from '../../drivers/edf/talDecoder.js';

/** Bytes of an annotation signal: the text as UTF-8, NUL-padded to `size`. */
function slot(text: string | Buffer, size = 120): Uint8Array {
  const bytes = new Uint8Array(size);
  bytes.set(typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
  return bytes;
}

const simple = (d: ReturnType<typeof decodeTals>) => d.annotations.map((a) => [a.onset_s, a.duration_s, a.text]);

describe('decodeTals (EDF+ section 2.2)', () => {
  it('reads the time-keeping TAL as the record onset and the others as annotations', () => {
    const d = decodeTals(slot('+12.5\x14\x14\x00+13\x150.25\x14Eyes closed\x14\x00-0.5\x14before start\x14\x00'), 3, 7, true);
    expect(d.recordOnset_s).toBe(12.5);
    expect(simple(d)).toEqual([
      [13, 0.25, 'Eyes closed'],
      [-0.5, null, 'before start'],
    ]);
    expect(d.annotations.every((a) => a.signal === 3 && a.record === 7)).toBe(true);
    expect(d.problems).toEqual([]);
  });

  it('makes several annotations of the texts of one TAL', () => {
    const d = decodeTals(slot('+0\x14\x14\x00+4\x152\x14A\x14B\x14C\x14\x00'), 0, 0, true);
    expect(simple(d)).toEqual([
      [4, 2, 'A'],
      [4, 2, 'B'],
      [4, 2, 'C'],
    ]);
  });

  it('keeps annotations in the time-keeping TAL after its empty one', () => {
    const d = decodeTals(slot('+0\x14\x14Recording starts\x14\x00'), 0, 0, true);
    expect(d.recordOnset_s).toBe(0);
    expect(simple(d)).toEqual([[0, null, 'Recording starts']]);
  });

  it('in a second annotation signal, the first TAL is an ordinary annotation', () => {
    const d = decodeTals(slot('+1.5\x14stim\x14\x00'), 2, 0, false);
    expect(d.recordOnset_s).toBeNull();
    expect(simple(d)).toEqual([[1.5, null, 'stim']]);
    expect(d.problems).toEqual([]);
  });

  it('reads Nihon Kohden TALs that are not separated by NUL', () => {
    // From MB0400FU.EDF (an EEG-1100C export): record 1's annotation signal.
    const d = decodeTals(slot('+1.000000\x14\x14+1.140000\x14A1+A2 OFF\x14'), 25, 1, true);
    expect(d.recordOnset_s).toBe(1);
    expect(simple(d)).toEqual([[1.14, null, 'A1+A2 OFF']]);
    expect(d.problems.map((p) => p.kind)).toEqual(['no NUL between TALs']);
  });

  it('keeps a well-formed TAL whose last text looks like a time as text', () => {
    const d = decodeTals(slot('+0\x14\x14\x00+0\x14+0.000000\x14\x00+0\x14Segment: REC START\x14'), 0, 0, true);
    expect(simple(d)).toEqual([
      [0, null, '+0.000000'],
      [0, null, 'Segment: REC START'],
    ]);
  });

  it('decodes UTF-8 texts, and Latin-1 when the bytes are not UTF-8', () => {
    expect(simple(decodeTals(slot('+0\x14\x14\x00+1\x14中文测试八个字\x14\x00+2\x14仰卧 µV\x14\x00'), 0, 0, true))).toEqual([
      [1, null, '中文测试八个字'],
      [2, null, '仰卧 µV'],
    ]);
    const latin1 = Buffer.concat([Buffer.from('+0\x14\x14\x00+1\x14caf', 'latin1'), Buffer.from([0xe9]), Buffer.from('\x14\x00', 'latin1')]);
    expect(simple(decodeTals(slot(latin1), 0, 0, true))).toEqual([[1, null, 'café']]);
  });

  it('reports a malformed TAL and goes on with the next one', () => {
    const d = decodeTals(slot('+0\x14\x14\x00garbage\x14x\x14\x00+1e3\x14y\x14\x00+2\x14ok\x14\x00'), 0, 4, true);
    expect(d.recordOnset_s).toBe(0);
    expect(simple(d)).toEqual([[2, null, 'ok']]);
    expect(d.problems.map((p) => p.kind)).toEqual(['bad time stamp', 'bad time stamp']);
    expect(d.problems[0].message).toMatch(/annotation signal 0, record 4, byte 5 of the signal: .*"garbage\\u0014x\\u0014"/);
  });

  it('keeps a text that is not closed by \\x14', () => {
    const d = decodeTals(slot('+0\x14\x14\x00+3\x14cut short'), 0, 0, true);
    expect(simple(d)).toEqual([[3, null, 'cut short']]);
    expect(d.problems.map((p) => p.kind)).toEqual(['unterminated TAL']);
  });

  it('says when a record has no time-keeping TAL', () => {
    const withText = decodeTals(slot('+5\x14not empty\x14\x00'), 0, 9, true);
    expect(withText.recordOnset_s).toBeNull();
    expect(simple(withText)).toEqual([[5, null, 'not empty']]);
    expect(withText.problems.map((p) => p.kind)).toEqual(['no time-keeping TAL']);
    const empty = decodeTals(new Uint8Array(60), 0, 9, true);
    expect(empty.recordOnset_s).toBeNull();
    expect(empty.problems.map((p) => p.kind)).toEqual(['no time-keeping TAL']);
    // In other annotation signals an empty record is normal.
    expect(decodeTals(new Uint8Array(60), 2, 9, false).problems).toEqual([]);
  });

  it('reads an empty duration as none', () => {
    expect(simple(decodeTals(slot('+0\x14\x14\x00+1\x15\x14x\x14\x00'), 0, 0, true))).toEqual([[1, null, 'x']]);
  });

  it('decodes any list of well-formed TALs back to what was encoded', () => {
    // Texts: anything but the TAL delimiters, and not starting like a time stamp.
    const text = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).filter((t) => !/[\x00\x14\x15]/.test(t) && !/^[+-]\d/.test(t));
    const seconds = fc.tuple(fc.nat(100000), fc.option(fc.nat(999999), { nil: undefined })).map(([i, f]) => (f === undefined ? String(i) : `${i}.${f}`));
    const entry = fc.record({ sign: fc.constantFrom('+', '-'), onset: seconds, duration: fc.option(seconds, { nil: undefined }), texts: fc.array(text, { minLength: 1, maxLength: 3 }) });
    fc.assert(
      fc.property(seconds, fc.array(entry, { maxLength: 6 }), (keep, entries) => {
        const encoded = `+${keep}\x14\x14\x00` + entries.map((e) => `${e.sign}${e.onset}${e.duration === undefined ? '' : `\x15${e.duration}`}\x14${e.texts.join('\x14')}\x14\x00`).join('');
        const bytes = slot(encoded, Buffer.byteLength(encoded) + 7);
        const d = decodeTals(bytes, 1, 2, true);
        expect(d.problems).toEqual([]);
        expect(d.recordOnset_s).toBe(Number(keep));
        expect(simple(d)).toEqual(entries.flatMap((e) => e.texts.map((t) => [Number(`${e.sign}${e.onset}`), e.duration === undefined ? null : Number(e.duration), t])));
      }),
    );
  });
});
