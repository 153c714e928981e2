/**
 * The values ibc hands to Slurm (a sweep's `slurm partition=... time=... mem=...
 * sbatch=[...]` and the same options of `ibc sweep`), checked the way sbatch
 * reads them, before anything is written or submitted. ibc passes them to
 * `sbatch` as arguments, never as lines of a script, so no value is ever shell
 * code; these checks make a value that Slurm would reject, or that can only be
 * a mistake (a newline, a control character), an error at its source.
 *
 * Extra sbatch options are an allow-list: options that ask for resources, set
 * scheduling or accounting. Options that name files or commands (`--output`,
 * `--chdir`, `--wrap`, `--export`, ...) are refused: ibc sets what it needs
 * itself, and a spec must not be able to make Slurm write or run anything
 * outside the sweep.
 */
import { controlCharacterProblem } from '../../support/control-characters.js';

/** A partition name, or a comma-separated list of them (sbatch -p accepts a list). */
export function partitionProblem(value: string): string | undefined {
  const control = controlCharacterProblem(value);
  if (control) return control;
  if (value === '') return 'it is empty';
  const bad = value.split(',').find((name) => !/^[A-Za-z0-9_.-]+$/.test(name));
  return bad === undefined ? undefined : `'${bad}' is not a partition name (letters, digits, '_', '.', '-'; several separated by commas)`;
}

const TIME_FORMATS = ['MINUTES', 'MINUTES:SECONDS', 'HOURS:MINUTES:SECONDS', 'DAYS-HOURS', 'DAYS-HOURS:MINUTES', 'DAYS-HOURS:MINUTES:SECONDS', 'UNLIMITED'];

/** A time limit in one of sbatch's formats. */
export function timeProblem(value: string): string | undefined {
  const control = controlCharacterProblem(value);
  if (control) return control;
  if (/^(UNLIMITED|INFINITE)$/i.test(value)) return undefined;
  const ok = /^\d+(:\d+){0,2}$/.test(value) || /^\d+-\d+(:\d+){0,2}$/.test(value);
  return ok ? undefined : `it is not a Slurm time limit (${TIME_FORMATS.join(', ')}; e.g. 4:00:00 or 1-12)`;
}

/**
 * A checked time limit in seconds, as sbatch reads it: MINUTES, MINUTES:SECONDS,
 * HOURS:MINUTES:SECONDS, DAYS-HOURS, DAYS-HOURS:MINUTES, DAYS-HOURS:MINUTES:SECONDS;
 * undefined for UNLIMITED (or INFINITE) and for text timeProblem refuses.
 */
export function timeLimitSeconds(value: string): number | undefined {
  if (timeProblem(value) !== undefined || /^(UNLIMITED|INFINITE)$/i.test(value)) return undefined;
  const dash = value.indexOf('-');
  if (dash >= 0) {
    const [hours = 0, minutes = 0, seconds = 0] = value.slice(dash + 1).split(':').map(Number);
    return ((Number(value.slice(0, dash)) * 24 + hours) * 60 + minutes) * 60 + seconds;
  }
  const parts = value.split(':').map(Number);
  if (parts.length === 3) return (parts[0]! * 60 + parts[1]!) * 60 + parts[2]!;
  return parts[0]! * 60 + (parts[1] ?? 0);
}

/** Memory as sbatch --mem takes it: a whole number with an optional unit K, M, G or T (megabytes without one). */
export function memProblem(value: string): string | undefined {
  const control = controlCharacterProblem(value);
  if (control) return control;
  return /^\d+[KMGT]?$/i.test(value) ? undefined : "it is not a Slurm memory size (a whole number with an optional unit K, M, G or T, e.g. 16G)";
}

/**
 * The sbatch options a spec or `--sbatch` may add. Each asks for resources or
 * sets scheduling, notification or accounting; none names a file or a command.
 */
export const SBATCH_OPTIONS: ReadonlySet<string> = new Set([
  'account', 'acctg-freq', 'begin', 'comment', 'constraint', 'contiguous', 'core-spec', 'cores-per-socket', 'cpu-freq',
  'cpus-per-gpu', 'cpus-per-task', 'deadline', 'delay-boot', 'dependency', 'distribution', 'exclude', 'exclusive',
  'extra-node-info', 'gpu-bind', 'gpu-freq', 'gpus', 'gpus-per-node', 'gpus-per-socket', 'gpus-per-task', 'gres',
  'gres-flags', 'hint', 'hold', 'licenses', 'mail-type', 'mail-user', 'mcs-label', 'mem', 'mem-bind', 'mem-per-cpu',
  'mem-per-gpu', 'mincpus', 'network', 'nice', 'no-requeue', 'nodelist', 'nodes', 'ntasks', 'ntasks-per-core',
  'ntasks-per-gpu', 'ntasks-per-node', 'ntasks-per-socket', 'overcommit', 'oversubscribe', 'partition', 'power',
  'prefer', 'priority', 'qos', 'requeue', 'reservation', 'signal', 'sockets-per-node', 'spread-job', 'switches',
  'thread-spec', 'threads-per-core', 'time', 'time-min', 'tmp', 'use-min-nodes', 'wckey',
]);

/** Options whose value has a syntax checked above. */
const VALUE_CHECKS: Readonly<Record<string, (value: string) => string | undefined>> = {
  partition: partitionProblem,
  time: timeProblem,
  'time-min': timeProblem,
  mem: memProblem,
};

/** `--name=value` or `--name`, with an optional leading `#SBATCH ` (how such a line reads in a batch script). */
export function splitOption(line: string): { name: string; value?: string } | undefined {
  const text = line.startsWith('#SBATCH') ? line.slice('#SBATCH'.length).trim() : line.trim();
  const match = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/s.exec(text);
  if (!match) return undefined;
  return match[2] !== undefined ? { name: match[1]!, value: match[2] } : { name: match[1]! };
}

/** Why an extra sbatch option is refused, or undefined. */
export function sbatchOptionProblem(line: string): string | undefined {
  const control = controlCharacterProblem(line);
  if (control) return control;
  const option = splitOption(line);
  if (!option) return "it is not a long sbatch option: write it as --name=value (e.g. --account=lab; short forms such as -A lab are not accepted)";
  if (!SBATCH_OPTIONS.has(option.name)) {
    return `--${option.name} is not one of the sbatch options a sweep may set (they ask for resources or set scheduling and accounting; options that name files or commands, such as --output, --chdir, --wrap or --export, are ibc's own or refused)`;
  }
  if (option.value !== undefined) {
    if (option.value.trim() === '') return `--${option.name} has an empty value`;
    const check = VALUE_CHECKS[option.name];
    const problem = check?.(option.value);
    if (problem) return `the value of --${option.name}: ${problem}`;
  }
  return undefined;
}

/** The argument an extra option becomes on sbatch's command line (`#SBATCH --qos=short` -> `--qos=short`); check it first. */
export function sbatchArgument(line: string): string {
  const option = splitOption(line);
  if (!option) throw new Error(`bug: unchecked sbatch option '${line}'`);
  return option.value !== undefined ? `--${option.name}=${option.value}` : `--${option.name}`;
}

/** The checks of the sweep's `slurm` options, by option name. */
export const SLURM_VALUE_CHECKS: Readonly<Record<'partition' | 'time' | 'mem', (value: string) => string | undefined>> = {
  partition: partitionProblem,
  time: timeProblem,
  mem: memProblem,
};
