/**
 * Which tensor of a weights file feeds which trunk parameter: the compiler stage
 * behind `ibc check` (and `ibc train`, before anything is created). The trunk is
 * every backbone parameter (the stages after the insertion point too: they are
 * the encoder's first part, as in the paper's CUB WRN-50-2); the attention head,
 * the anchors, the encoder's own layers and the decoder keep their initial values.
 *
 * Names: a torchvision file by torchvision's names (names.ts), with a DataParallel
 * `module.` prefix removed; an ibc checkpoint by ibc's own parameter names. Every
 * problem is a diagnostic located at the `weights="..."` string.
 */
import type { Diagnostic, Span } from '../../diagnostics/diagnostic.js';
import { diagnostic } from '../../diagnostics/catalog.js';
import type { FileSystem } from '../../host/file-system.js';
import type { ModelIR } from '../ir/ir.js';
import type { BackboneSpec, ResolvedSpec } from '../spec/resolved-spec.js';
import { DTYPES } from './dtypes.js';
import { expectedUnused, fromTorchLayout, torchNames, torchShape, type Layout } from './names.js';
import { openWeights } from './open-weights.js';
import { elementCount, type StoredTensor, type WeightsFile } from './weights-file.js';

export interface Assignment {
  /** The IR parameter. */
  readonly param: string;
  /** The file's tensor (its name as stored, prefix included). */
  readonly source: StoredTensor;
  /** How the file lays the values out relative to ibc ('same' for ibc checkpoints). */
  readonly layout: Layout;
  /** ibc's shape of the parameter. */
  readonly shape: readonly number[];
}

export interface WeightsPlan {
  /** As the spec resolved it. */
  readonly path: string;
  readonly file: WeightsFile;
  readonly strict: boolean;
  readonly assignments: readonly Assignment[];
  /** Trunk parameters without a tensor, with the name looked for. */
  readonly missing: readonly { readonly param: string; readonly key: string }[];
  /** Tensors of the file with no place in the trunk, other than those expected (the classifier, BN counters, the rest of an ibc model). */
  readonly unexpected: readonly string[];
  /** Tensors the trunk does not use by design. */
  readonly ignored: readonly string[];
  /** The parts of the model that keep their initial values: parameter-name groups ('attention/head', 'encoder', ...). */
  readonly random: readonly string[];
}

export interface PlanResult {
  /** Absent without weights=, or when the file cannot be used. */
  readonly plan?: WeightsPlan;
  readonly diagnostics: readonly Diagnostic[];
}

const LIST_LIMIT = 6;

export function listNames(names: readonly string[]): string {
  const shown = names.slice(0, LIST_LIMIT).map((n) => `'${n}'`).join(', ');
  return names.length > LIST_LIMIT ? `${shown} and ${names.length - LIST_LIMIT} more` : shown;
}

/** `backbone/...` parameters are the trunk. */
export function isTrunkParameter(name: string): boolean {
  return name.startsWith('backbone/');
}

/** The weights file of the spec's backbone, when it names one. */
export function weightsPath(backbone: BackboneSpec): string | undefined {
  return 'weights' in backbone ? backbone.weights : undefined;
}

function weightsSpan(backbone: BackboneSpec): Span | undefined {
  return backbone.weightsOrigin ?? backbone.origin;
}

/** 'attention/head/conv0/kernel' -> 'attention/head'; 'decoder/linear0/bias' -> 'decoder'. */
function groupOf(param: string): string {
  const parts = param.split('/');
  return parts[0] === 'attention' || parts[0] === 'backbone' ? parts.slice(0, 2).join('/') : (parts[0] ?? param);
}

function stripModulePrefix(name: string): string {
  return name.startsWith('module.') ? name.slice('module.'.length) : name;
}

/**
 * Opens the spec's weights file and matches it to the trunk of `ir`. Without
 * weights= it reports only a `strict=` that means nothing.
 */
export async function planWeights(spec: ResolvedSpec, ir: ModelIR, fs: FileSystem): Promise<PlanResult> {
  const backbone = spec.model.backbone;
  const span = weightsSpan(backbone);
  const at = span ? { span } : {};
  const path = weightsPath(backbone);
  const strictSetting = 'strict' in backbone ? backbone.strict : undefined;
  if (path === undefined) {
    return { diagnostics: strictSetting === undefined ? [] : [diagnostic('pretrainedStrictUnused', { ...(backbone.origin ? { span: backbone.origin } : {}), args: { value: String(strictSetting) } })] };
  }
  const opened = await openWeights(path, fs);
  if ('problem' in opened) return { diagnostics: [diagnostic('pretrainedUnreadable', { ...at, args: { path, reason: opened.problem } })] };
  const file = opened.weights;
  const strict = strictSetting ?? true;
  const result = match(ir, backbone, file, path, strict);
  const diagnostics = [...result.diagnostics];
  const { plan } = result;
  const name = file.description;
  if (plan.missing.length > 0) {
    const total = ir.params.filter((p) => isTrunkParameter(p.name)).length;
    const list = listNames(plan.missing.map((m) => `${m.param}' <- '${m.key}`));
    const hint = missingHint(plan, backbone, file);
    diagnostics.push(strict ? diagnostic('pretrainedMissing', { ...at, args: { count: plan.missing.length, total, file: name, list, hint } }) : diagnostic('pretrainedMissingAllowed', { ...at, args: { count: plan.missing.length, total, file: name, list } }));
  }
  if (plan.unexpected.length > 0) {
    const list = listNames(plan.unexpected);
    diagnostics.push(strict ? diagnostic('pretrainedUnexpected', { ...at, args: { count: plan.unexpected.length, file: name, list, hint: '' } }) : diagnostic('pretrainedUnexpectedAllowed', { ...at, args: { count: plan.unexpected.length, file: name, list } }));
  }
  if (!diagnostics.some((d) => d.severity === 'error')) diagnostics.push(diagnostic('pretrainedLoaded', { ...at, args: summaryArgs(plan, ir) }));
  else file.close();
  return { ...(diagnostics.some((d) => d.severity === 'error') ? {} : { plan }), diagnostics };
}

function missingHint(plan: WeightsPlan, backbone: BackboneSpec, file: WeightsFile): string {
  if (backbone.kind === 'vgg16_bn' && backbone.variant !== 'imagenet' && [...file.tensors.keys()].some((k) => stripModulePrefix(k).startsWith('features.'))) {
    return " (a torchvision file: torchvision's vgg16_bn is `backbone vgg16_bn variant=imagenet`; ibc's default vgg16_bn is the CIFAR network of reference-configs §1)";
  }
  if (plan.assignments.length === 0 && file.tensors.size > 0) {
    return ` (no tensor name matches; the file's names look like ${listNames([...file.tensors.keys()].slice(0, 3))}: \`ibc check --weights\` lists the names ibc looks for)`;
  }
  return '';
}

function summaryArgs(plan: WeightsPlan, ir: ModelIR): Record<string, string | number> {
  const values = plan.assignments.reduce((n, a) => n + elementCount(a.shape), 0);
  const conversions = new Set(plan.assignments.map((a) => a.layout).filter((l) => l !== 'same'));
  const converted = conversions.size === 0 ? '' : `, converted from PyTorch's layout (${[...conversions].map((l) => (l === 'oihw' ? 'convolutions OIHW -> HWIO' : 'linear weights transposed')).join(', ')})`;
  const ignoredText = plan.ignored.length + plan.unexpected.length === 0 ? 'every tensor of the file used' : `${plan.ignored.length + plan.unexpected.length} tensors of the file not used (${describeIgnored([...plan.ignored, ...plan.unexpected])})`;
  return {
    file: plan.file.description,
    loaded: plan.assignments.length,
    total: ir.params.filter((p) => isTrunkParameter(p.name)).length,
    values: values.toLocaleString('en-US'),
    converted,
    ignored: ignoredText,
    random: plan.random.length > 0 ? plan.random.join(', ') : 'none',
  };
}

/** "fc.weight, fc.bias, 20 num_batches_tracked" */
function describeIgnored(names: readonly string[]): string {
  const counters = names.filter((n) => n.endsWith('.num_batches_tracked')).length;
  const rest = names.filter((n) => !n.endsWith('.num_batches_tracked'));
  const parts = [...(rest.length > 0 ? [listNames(rest).replaceAll("'", '')] : []), ...(counters > 0 ? [`${counters} num_batches_tracked`] : [])];
  return parts.join(', ');
}

interface Matched {
  readonly plan: WeightsPlan;
  readonly diagnostics: Diagnostic[];
}

function match(ir: ModelIR, backbone: BackboneSpec, file: WeightsFile, path: string, strict: boolean): Matched {
  const span = weightsSpan(backbone);
  const at = span ? { span } : {};
  const diagnostics: Diagnostic[] = [];
  const ibcNames = file.format === 'ibc';
  const names = ibcNames ? undefined : torchNames(ir, backbone);
  // The file's tensors by the name ibc looks them up with.
  const byName = new Map<string, StoredTensor>();
  for (const [stored, tensor] of file.tensors) byName.set(ibcNames ? stored : stripModulePrefix(stored), tensor);
  const used = new Set<string>();
  const trunkKeys = new Set([...(names ?? [])].filter(([param]) => isTrunkParameter(param)).map(([, n]) => n.key));
  const assignments: Assignment[] = [];
  const missing: { param: string; key: string }[] = [];
  const random = new Set<string>();
  for (const p of ir.params) {
    const torch = names?.get(p.name);
    const key = ibcNames ? p.name : (torch?.key ?? p.name);
    if (!isTrunkParameter(p.name)) {
      random.add(groupOf(p.name));
      used.add(key); // the rest of the model under its own names (an ibc export or checkpoint) is not unexpected
      continue;
    }
    const layout: Layout = torch?.layout ?? 'same';
    const source = byName.get(key);
    if (!source) {
      missing.push({ param: p.name, key });
      if (!strict) random.add(`${groupOf(p.name)} (missing from the file)`);
      continue;
    }
    used.add(key);
    const expected = ibcNames ? [...p.shape] : torchShape(p.shape, layout);
    if (source.shape.length !== expected.length || source.shape.some((d, i) => d !== expected[i])) {
      const layoutText = layout === 'oihw' ? "PyTorch's OIHW convolution layout" : layout === 'out-in' ? "PyTorch's [out, in] linear layout" : 'the same layout in both';
      diagnostics.push(diagnostic('pretrainedShapeMismatch', { ...at, args: { source: source.name, found: source.shape.join(', '), param: p.name, expected: expected.join(', '), layout: layoutText } }));
      continue;
    }
    if (!DTYPES[source.dtype].float) {
      diagnostics.push(diagnostic('pretrainedNotFloat', { ...at, args: { source: source.name, dtype: DTYPES[source.dtype].torch, param: p.name } }));
      continue;
    }
    assignments.push({ param: p.name, source, layout, shape: p.shape });
  }
  const unexpected: string[] = [];
  const ignored: string[] = [];
  const loaded = new Set(assignments.map((a) => a.source.name));
  for (const [key, tensor] of byName) {
    if (used.has(key)) {
      if (!loaded.has(tensor.name) && !isTrunkKey(key, ibcNames, trunkKeys)) ignored.push(tensor.name);
      continue;
    }
    if (expectedUnused(key) || (!ibcNames && /^(attention|encoder|decoder|latent)\./.test(key)) || (ibcNames && !isTrunkParameter(key))) ignored.push(tensor.name);
    else unexpected.push(tensor.name);
  }
  return { plan: { path, file, strict, assignments, missing, unexpected, ignored, random: [...random] }, diagnostics };
}

/** Whether a used key named a trunk parameter (used keys of the rest of the model are ignored, not loaded). */
function isTrunkKey(key: string, ibcNames: boolean, trunkKeys: ReadonlySet<string>): boolean {
  return ibcNames ? isTrunkParameter(key) : trunkKeys.has(key);
}

/** The loaded trunk: each assigned parameter's values in ibc's layout, or why a tensor could not be read. */
export async function loadPlannedWeights(plan: WeightsPlan): Promise<{ readonly weights: Map<string, Float32Array> } | { readonly problem: string }> {
  const weights = new Map<string, Float32Array>();
  for (const a of plan.assignments) {
    const read = await a.source.read();
    if ('problem' in read) return { problem: `tensor '${a.source.name}': ${read.problem}` };
    weights.set(a.param, fromTorchLayout(read.values, a.shape, a.layout));
  }
  return { weights };
}

/** The full mapping, one line per trunk parameter, then what is not used and what stays random (`ibc check --weights`). */
export function formatWeightsTable(plan: WeightsPlan): string {
  const rows = plan.assignments.map((a) => [a.param, a.source.name, `[${a.source.shape.join(', ')}]`, a.layout === 'oihw' ? 'OIHW -> HWIO' : a.layout === 'out-in' ? 'transposed' : '']);
  for (const m of plan.missing) rows.push([m.param, `(missing: '${m.key}')`, '', plan.strict ? 'error' : 'stays random']);
  const header = ['parameter', 'tensor', 'shape in file', 'conversion'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const lines = [`weights: ${plan.path} (${plan.file.description})`, line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
  if (plan.ignored.length > 0) lines.push(`not used (not part of the trunk): ${plan.ignored.join(', ')}`);
  if (plan.unexpected.length > 0) lines.push(`not used (no place in the trunk): ${plan.unexpected.join(', ')}`);
  lines.push(`random initial values: ${plan.random.length > 0 ? plan.random.join(', ') : 'none'}`);
  return `${lines.join('\n')}\n`;
}
