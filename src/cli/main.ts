/**
 * `grokking-lab`: run and validate experiment files, and report runs, from a terminal, CI or a cluster job.
 * User errors print one line (or one line per problem) and exit 2; never a stack trace.
 */
import { parseExperimentFile, formatProblem } from '../shared/config/parse';
import { plural } from '../shared/text';
import { EXIT_CODES, HELP_TEXT, UserError, parseArguments } from './arguments';
import { readExperimentFile } from './experimentFile';
import { reportCommand } from './reportCommand';
import { runCommand } from './runCommand';
import packageJson from '../../package.json';

function validateCommand(files: string[]): number {
  let invalid = 0;
  for (const file of files) {
    let text: string;
    try {
      text = readExperimentFile(file);
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      process.stderr.write(`${error.message}\n`);
      invalid++;
      continue;
    }
    const parsed = parseExperimentFile(file, text);
    if (parsed.problems.length > 0) {
      invalid++;
      for (const problem of parsed.problems) process.stderr.write(`${formatProblem(problem)}\n`);
    } else {
      const summary = parsed.experiments
        .map((experiment) => `${experiment.name} (${plural(experiment.conditions.length, 'condition')} × ${plural(experiment.seeds.length, 'seed')})`)
        .join(', ');
      process.stdout.write(`${file}: valid: ${summary}\n`);
    }
  }
  return invalid === 0 ? EXIT_CODES.success : EXIT_CODES.usage;
}

async function main(argv: string[]): Promise<number> {
  const options = parseArguments(argv);
  switch (options.command) {
    case 'help':
      process.stdout.write(HELP_TEXT);
      return EXIT_CODES.success;
    case 'version':
      process.stdout.write(`${packageJson.version}\n`);
      return EXIT_CODES.success;
    case 'validate':
      return validateCommand(options.files);
    case 'run':
      return runCommand(options);
    case 'report':
      return reportCommand(options);
    default: {
      const unknown: never = options;
      throw new Error(`unhandled command ${JSON.stringify(unknown)}`);
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UserError) {
      process.stderr.write(`grokking-lab: ${error.message}\n`);
      process.exitCode = error.exitCode;
    } else {
      process.stderr.write(`grokking-lab: internal error: ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = EXIT_CODES.internal;
    }
  },
);
