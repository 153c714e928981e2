/**
 * The pretrained trunk a spec's `weights="..."` names, ready to become initial
 * weights (init-params.ts): the file matched to the trunk (compiler/pretrained/plan.ts,
 * the same stage `ibc check` runs), its tensors read and converted to ibc's layout,
 * and the file's fingerprint for the run's record. A problem `ibc check` would
 * report stops here as a RunError carrying that located diagnostic.
 */
import type { ModelIR } from '../../compiler/ir/ir.js';
import type { ResolvedSpec } from '../../compiler/spec/resolved-spec.js';
import { loadPlannedWeights, planWeights, weightsPath, type WeightsPlan } from '../../compiler/pretrained/plan.js';
import { fingerprintWeights, type WeightsFingerprint } from '../../compiler/pretrained/fingerprint.js';
import { nodeFileSystem, type FileSystem } from '../../host/file-system.js';
import { diagnostic } from '../../diagnostics/catalog.js';
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import { RunError } from '../../support/errors.js';

export interface PretrainedTrunk {
  /** Trunk parameter -> values in ibc's layout. */
  readonly weights: ReadonlyMap<string, Float32Array>;
  readonly fingerprint: WeightsFingerprint;
  /** The located note `ibc check` prints (what was loaded, what stays random), for the run's log. */
  readonly summary?: Diagnostic;
  /** Warnings (strict=false) the run shows. */
  readonly warnings: readonly Diagnostic[];
}

export async function loadPretrainedTrunk(spec: ResolvedSpec, ir: ModelIR, fs: FileSystem = nodeFileSystem): Promise<PretrainedTrunk | undefined> {
  const path = weightsPath(spec.model.backbone);
  if (path === undefined) return undefined;
  const planned = await planWeights(spec, ir, fs);
  const error = planned.diagnostics.find((d) => d.severity === 'error');
  if (error || !planned.plan) throw new RunError(error ?? diagnostic('pretrainedReadFailed', { args: { path, reason: 'it matched no parameter' } }));
  const plan: WeightsPlan = planned.plan;
  try {
    // Fingerprint first, then read: a file replaced in between reads as changed on --resume, not silently.
    const fingerprinted = fingerprintWeights(path, fs);
    if ('problem' in fingerprinted) throw new RunError(diagnostic('pretrainedReadFailed', { args: { path, reason: fingerprinted.problem } }));
    const loaded = await loadPlannedWeights(plan);
    if ('problem' in loaded) throw new RunError(diagnostic('pretrainedReadFailed', { args: { path, reason: loaded.problem } }));
    const summary = planned.diagnostics.find((d) => d.code === 'IB3407');
    return { weights: loaded.weights, fingerprint: fingerprinted.fingerprint, ...(summary ? { summary } : {}), warnings: planned.diagnostics.filter((d) => d.severity === 'warning') };
  } finally {
    plan.file.close();
  }
}

/** On --resume: the weights file must be the one the run started from (`recorded`). */
export function requireSameWeights(recorded: WeightsFingerprint, dir: string, fs: FileSystem = nodeFileSystem): void {
  // A checkpoint's metadata is data: a record edited into another shape is refused, not trusted.
  if (typeof recorded.path !== 'string' || !Number.isSafeInteger(recorded.size) || typeof recorded.sha256 !== 'string') {
    throw new RunError(diagnostic('pretrainedChangedOnResume', { args: { dir, path: String(recorded.path), size: '?', was: '?', now: 'the record of it in the checkpoint is damaged' } }));
  }
  const now = fingerprintWeights(recorded.path, fs);
  const changed =
    'problem' in now ? `it cannot be read now (${now.problem})`
    : now.fingerprint.sha256 !== recorded.sha256 || now.fingerprint.size !== recorded.size ? `it is now ${now.fingerprint.size.toLocaleString('en-US')} bytes with sha256 ${now.fingerprint.sha256.slice(0, 16)}...`
    : undefined;
  if (changed) {
    throw new RunError(diagnostic('pretrainedChangedOnResume', { args: { dir, path: recorded.path, size: recorded.size.toLocaleString('en-US'), was: `${recorded.sha256.slice(0, 16)}...`, now: changed } }));
  }
}
