// TEMPORARY STUB so main compiles until the reader branch lands (removed before merging it).
import { InputError } from '../inputError.js';
import type { EdfReadOptions, EdfSignal } from './edfTypes.js';

export async function openEdfSignal(path: string, _options: EdfReadOptions = {}): Promise<EdfSignal> {
  throw new InputError(`${path}: the EDF/BDF reader is not built yet`);
}
