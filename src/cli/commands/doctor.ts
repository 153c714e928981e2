/** `ibc doctor`: what this machine gives ibc, each missing part with the line that fixes it. */
import type { Command } from '../command.js';
import { EXIT_INPUT_ERROR, EXIT_OK } from '../command.js';
import { defineCommand } from '../define-command.js';
import { parseFormat } from '../option-values.js';
import type { OutputFormat } from '../report.js';
import { runDoctor, type DoctorReport, type Finding } from '../../runtime/jobs/doctor.js';

interface DoctorOptions {
  readonly format?: OutputFormat;
}

const STATUS_WIDTH = 'missing'.length;

/** One line per finding; a `fix:` line under each that has one. */
export function formatDoctor(report: DoctorReport): string {
  const width = Math.max(...report.findings.map((f) => f.name.length));
  const lines = ['ibc doctor: what this machine gives ibc', ''];
  for (const f of report.findings) {
    lines.push(`${f.status.padEnd(STATUS_WIDTH)}  ${f.name.padEnd(width)}  ${f.detail}`);
    if (f.fix !== undefined) lines.push(`${' '.repeat(STATUS_WIDTH + 2 + width + 2)}fix: ${f.fix}`);
  }
  const problems: readonly Finding[] = report.findings.filter((f) => f.status === 'problem');
  lines.push(
    '',
    problems.length === 0
      ? 'Everything ibc needs is here; "missing" lines are optional parts.'
      : `${problems.length} required part(s) missing or broken: ${problems.map((f) => f.name).join(', ')}. Run the fix line(s) above.`,
    '',
  );
  return lines.join('\n');
}

export const doctorCommand: Command = defineCommand<DoctorOptions>({
  name: 'doctor',
  summary: 'what this machine gives ibc: native kernels, oneDNN and CPU features, GPUs, optional packages, test tools; each missing part with its fix',
  description: [
    'Reports Node and ibc versions, whether the native oneDNN kernels load (and why not), the oneDNN version and the CPU features its kernels use (AVX-512, AVX512_BF16, AMX), the thread count, WebGPU adapters (hardware or software), the optional companions (tfjs-node, tfjs-node-gpu, onnxruntime-node and its providers) and the test tools (Chromium, Slurm).',
    'Each line is ok, missing (optional), problem (required) or info; every missing part and every problem comes with the one line that fixes it.',
  ].join('\n\n'),
  arguments: [],
  options: [{ flags: '--format <text|json>', description: 'text (default), or one JSON object on stdout: {ok, findings: [{name, status, detail, fix?}]}', parse: parseFormat }],
  epilog: 'Exit status: 0 when everything ibc needs is here (the native kernels, the figure font), 1 otherwise.',
  async run(input, io) {
    const report = await runDoctor();
    io.stdout(input.options.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatDoctor(report));
    return report.ok ? EXIT_OK : EXIT_INPUT_ERROR;
  },
});
