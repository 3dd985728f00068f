import { accessSync, constants, realpathSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError } from './inputError.js';

/** A path given to a command, with the place it came from (a flag or a config key). */
export interface NamedPath {
  /** How the user named it: `--out`, `--trace`, `logging.file`, `INPUT`. */
  readonly place: string;
  readonly path: string;
}

export interface OutputPath extends NamedPath {
  /**
   * Written through a temporary file beside it and a rename (AtomicTextOutput): the
   * directory itself must be writable, not only the file.
   */
  readonly atomic: boolean;
}

/** `-` stands for stdout: it is no file. */
const STDOUT = '-';

/**
 * Checks, before anything is opened for writing, that every output can be written and
 * that no output is an input or another output (after symlinks and hard links), so that a
 * command that would fail or destroy a file stops with exit 2 having touched nothing.
 */
export function checkOutputPaths(outputs: readonly OutputPath[], inputs: readonly NamedPath[]): void {
  const seen = new Map<string, NamedPath>();
  for (const input of inputs) {
    const id = identityOfInput(input.path);
    if (id !== null && !seen.has(id)) seen.set(id, input);
  }
  for (const output of outputs) {
    if (output.path === STDOUT) continue;
    const id = checkWritable(output);
    const earlier = seen.get(id);
    if (earlier !== undefined) {
      const same = earlier.path === output.path ? '' : ` (${earlier.path})`;
      throw new InputError(`${output.place} ${output.path}: is the same file as ${earlier.place}${same}; choose another output path`);
    }
    seen.set(id, output);
  }
}

/** An existing file is known by device and inode (hard links, symlinks); a new one by its resolved folder and name. */
function identityOfInput(path: string): string | null {
  try {
    return identityOfStats(statSync(path));
  } catch {
    // A missing input is reported by whoever reads it; it cannot be overwritten anyway.
    return null;
  }
}

function identityOfStats(stats: Stats): string {
  return `inode:${stats.dev}:${stats.ino}`;
}

function checkWritable(output: OutputPath): string {
  const where = `${output.place} ${output.path}`;
  if (output.path.trim() === '') throw new InputError(`${output.place}: expected a file path, got an empty string`);
  let stats: Stats | null = null;
  try {
    stats = statSync(output.path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new InputError(`${where}: a part of the path is a file, not a directory`);
    if (code !== 'ENOENT') throw new InputError(`${where}: cannot be written (${code ?? String(error)})`);
  }
  const folder = dirname(resolve(output.path));
  let folderStats: Stats;
  try {
    folderStats = statSync(folder);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError(`${where}: the directory ${folder} does not exist (create it first)`);
    if (code === 'ENOTDIR') throw new InputError(`${where}: a part of the path is a file, not a directory`);
    throw new InputError(`${where}: the directory ${folder} cannot be used (${code ?? String(error)})`);
  }
  if (!folderStats.isDirectory()) throw new InputError(`${where}: ${folder} is not a directory`);
  if (stats !== null) {
    if (stats.isDirectory()) throw new InputError(`${where}: is a directory; expected a file path`);
    if (!stats.isFile() && !stats.isFIFO() && !stats.isCharacterDevice()) throw new InputError(`${where}: is not a regular file`);
    if (!canAccess(output.path, constants.W_OK)) throw new InputError(`${where}: the file is not writable`);
  }
  // A new file, or the temporary file of an atomic write, is created in the folder.
  if ((stats === null || output.atomic) && !canAccess(folder, constants.W_OK | constants.X_OK)) {
    throw new InputError(`${where}: the directory ${folder} is not writable`);
  }
  return stats !== null ? identityOfStats(stats) : `path:${join(realpathSync(folder), basename(output.path))}`;
}

function canAccess(path: string, mode: number): boolean {
  try {
    accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}
