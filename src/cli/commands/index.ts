/** The single registration list of CLI commands, in help order. Each command lives in its own module. */
import type { Command } from '../command.js';
import { fmtCommand } from './fmt.js';
import { checkCommand } from './check.js';
import { schemaCommand } from './schema.js';
import { expandCommand } from './expand.js';
import { trainCommand } from './train.js';
import { evalCommand } from './eval.js';
import { attentionCommand } from './attention.js';
import { compileCommand } from './compile.js';
import { benchCommand } from './bench.js';
import { explainCommand } from './explain.js';
import { sweepCommand } from './sweep.js';
import { resultsCommand } from './results.js';
import { doctorCommand } from './doctor.js';

export function commandTable(): readonly Command[] {
  return [checkCommand, schemaCommand, expandCommand, fmtCommand, trainCommand, sweepCommand, resultsCommand, evalCommand, attentionCommand, compileCommand, benchCommand, explainCommand, doctorCommand];
}
