/**
 * Reading an experiment file from the command line (`run`, `validate`): its text, or one sentence
 * naming the file. A file larger than limits.fileBytes is refused before it is read, from its size
 * (src/shared/config/schema.ts says why; the sentence is fileSizeProblem's, which the extension's
 * experiment catalog shows too), and at most that many bytes are ever read, so a pipe or a device
 * cannot exhaust memory either.
 */
import fs from 'node:fs';
import { fileSizeProblem } from '../shared/config/parse';
import { limits } from '../shared/config/schema';
import { UserError } from './arguments';

/** The sentence for a file that cannot be opened or read. */
function readFailure(file: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? `${file}: no such file.` : `${file}: cannot read it (${code ?? (error as Error).message}).`;
}

/** Reads up to `maximum` bytes of an open file, from its start. */
function readAtMost(descriptor: number, maximum: number): Buffer {
  const buffer = Buffer.alloc(maximum);
  let length = 0;
  while (length < maximum) {
    const read = fs.readSync(descriptor, buffer, length, maximum - length, null);
    if (read === 0) break;
    length += read;
  }
  return buffer.subarray(0, length);
}

/**
 * The text (UTF-8) of the experiment file `file`. Throws a UserError whose message names the file
 * when it is missing, unreadable or larger than limits.fileBytes.
 */
export function readExperimentFile(file: string): string {
  let descriptor: number;
  try {
    descriptor = fs.openSync(file, 'r');
  } catch (error) {
    throw new UserError(readFailure(file, error));
  }
  try {
    const stat = fs.fstatSync(descriptor);
    const tooLarge = stat.isFile() ? fileSizeProblem(file, stat.size) : undefined;
    if (tooLarge) throw new UserError(tooLarge);
    // One byte past the limit tells a file that grew, or a pipe, from one within it.
    const bytes = readAtMost(descriptor, limits.fileBytes + 1);
    const overflow = fileSizeProblem(file, bytes.length, false);
    if (overflow) throw new UserError(overflow);
    return bytes.toString('utf8');
  } catch (error) {
    throw error instanceof UserError ? error : new UserError(readFailure(file, error));
  } finally {
    fs.closeSync(descriptor);
  }
}
