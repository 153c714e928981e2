/**
 * Hand-built tiny IRs for the TF.js target tests (independent of the model
 * builder, so the target is tested against the IR contract alone).
 */
import type { IrNode, ModelIR, Op, OpAttrs, ParamRole, ParamSpec, LossSpec, QuantizationSpec } from '../../src/compiler/ir/ir.js';
import { Random } from '../../src/support/random.js';

export class GraphBuilder {
  readonly nodes: IrNode[] = [];
  readonly params: ParamSpec[] = [];
  private readonly shapes = new Map<string, readonly number[]>();

  constructor(readonly inputShape: readonly [number, number, number]) {
    this.add('image', 'Input', { shape: inputShape }, [], {}, inputShape);
  }

  shape(id: string): readonly number[] {
    return this.shapes.get(id)!;
  }

  add<O extends Op>(
    id: string,
    op: O,
    attrs: OpAttrs[O],
    inputs: readonly string[],
    params: Partial<Record<ParamRole, readonly number[]>>,
    shape: readonly number[],
    groups: Partial<Record<ParamRole, ParamSpec['group']>> = {},
  ): string {
    const names: Partial<Record<ParamRole, string>> = {};
    for (const [role, pshape] of Object.entries(params) as [ParamRole, readonly number[]][]) {
      const name = `${id}/${role}`;
      names[role] = name;
      const group = groups[role] ?? (role === 'movingMean' || role === 'movingVariance' ? 'buffers' : 'weights');
      this.params.push({
        name,
        shape: pshape,
        init: { kind: 'zeros' },
        trainable: group !== 'buffers',
        group,
        fanIn: pshape.length > 1 ? pshape.slice(0, -1).reduce((a, b) => a * b, 1) : 1,
        fanOut: pshape[pshape.length - 1] ?? 1,
      });
    }
    this.nodes.push({ id, op, attrs, inputs, params: names, shape } as IrNode);
    this.shapes.set(id, shape);
    return id;
  }

  conv(id: string, x: string, filters: number, k: number, opts: { stride?: number; pad?: number; bias?: boolean; dilation?: number } = {}): string {
    const [h, w, c] = this.shape(x) as [number, number, number];
    const stride = opts.stride ?? 1;
    const pad = opts.pad ?? Math.floor(k / 2);
    const dil = opts.dilation ?? 1;
    const eff = dil * (k - 1) + 1;
    const oh = Math.floor((h + 2 * pad - eff) / stride) + 1;
    const ow = Math.floor((w + 2 * pad - eff) / stride) + 1;
    const bias = opts.bias ?? true;
    return this.add(
      id,
      'Conv2D',
      { filters, kernel: [k, k], stride: [stride, stride], dilation: [dil, dil], pads: { top: pad, bottom: pad, left: pad, right: pad }, bias },
      [x],
      bias ? { kernel: [k, k, c, filters], bias: [filters] } : { kernel: [k, k, c, filters] },
      [oh, ow, filters],
    );
  }

  batchNorm(id: string, x: string, momentum = 0.1): string {
    const s = this.shape(x);
    const c = s[s.length - 1]!;
    return this.add(id, 'BatchNorm', { epsilon: 1e-5, momentum }, [x], { gamma: [c], beta: [c], movingMean: [c], movingVariance: [c] }, s);
  }

  act(id: string, x: string, fn: OpAttrs['Activation']['fn'], alpha?: number): string {
    return this.add(id, 'Activation', alpha === undefined ? { fn } : { fn, alpha }, [x], {}, this.shape(x));
  }

  dense(id: string, x: string, units: number, bias = true): string {
    const n = this.shape(x)[0]!;
    return this.add(id, 'Dense', { units, bias }, [x], bias ? { kernel: [n, units], bias: [units] } : { kernel: [n, units] }, [units]);
  }

  build(taps: ModelIR['taps'], { quantization, ...loss }: TinyLoss, samples = { train: 1, eval: 0 }): ModelIR {
    const logitsShape = this.shape(taps.logits);
    const anchors = this.nodes.find((n) => n.op === 'Quantize')?.params.anchors;
    const weights = quantization ?? { vqWeight: 0, commitWeight: 0 };
    return {
      name: 'tiny',
      input: 'image',
      inputShape: this.inputShape,
      classes: logitsShape[0]!,
      nodes: this.nodes,
      params: this.params,
      taps,
      loss: { classes: logitsShape[0]!, ...loss },
      samples,
      ...(anchors !== undefined ? { quantization: { anchors, lrScale: 1, ...weights } } : {}),
    };
  }
}

/** The loss settings of a tiny IR; `quantization` (the vq and commitment weights, 0 when absent) goes to ModelIR.quantization when the IR has a Quantize node. */
export type TinyLoss = Omit<LossSpec, 'classes'> & { readonly quantization?: Pick<QuantizationSpec, 'vqWeight' | 'commitWeight'> };

export interface TinyOptions {
  readonly quantize?: boolean;
  readonly klForm?: 'standard' | 'reference';
  readonly batchNorm?: boolean;
  readonly dropout?: number;
  /** Map size smaller than the features: adds a ResizeNearest. */
  readonly resize?: boolean;
  readonly latent?: number;
  readonly classes?: number;
  /** Shift of both std heads (method.md: -5); a larger one makes the noise, and its gradients, larger. */
  readonly stdShift?: number;
  readonly loss?: TinyLoss;
}

/** conv(+bn)+relu trunk, attention (mean head, std head, sample, quantize?), modulation, encoder, latent, decoder. */
export function tinyAttentionIr(options: TinyOptions = {}): ModelIR {
  const K = options.latent ?? 4;
  const classes = options.classes ?? 3;
  const g = new GraphBuilder([6, 6, 2]);
  let f = g.conv('trunk/conv', 'image', 3, 3);
  if (options.batchNorm) f = g.batchNorm('trunk/bn', f);
  f = g.act('trunk/relu', f, 'relu');
  let mapSource = f;
  if (options.resize) mapSource = g.add('att/pool', 'MaxPool', { size: [2, 2], stride: [2, 2], pads: { top: 0, bottom: 0, left: 0, right: 0 } }, [f], {}, [3, 3, 3]);
  const logit = g.conv('att/conv', mapSource, 1, 3);
  const mu = g.act('att/mean', logit, 'sigmoid');
  const sdRaw = g.conv('att/std_conv', mu, 1, 3);
  const sd = g.add('att/std', 'ShiftedSoftplus', { shift: options.stdShift ?? -5 }, [sdRaw], {}, g.shape(mu));
  const a = g.add('att/sample', 'Sample', { role: 'attention' }, [mu, sd], {}, g.shape(mu));
  let map = a;
  let quantized: string | undefined;
  if (options.quantize) {
    quantized = g.add('att/quantize', 'Quantize', { anchorCount: 3 }, [a], { anchors: [3] }, g.shape(a));
    map = quantized;
  }
  if (options.resize) map = g.add('att/resize', 'ResizeNearest', { size: [6, 6] }, [map], {}, [6, 6, 1]);
  const modulated = g.add('modulate', 'Modulate', {}, [f, map], {}, g.shape(f));
  const pooled = g.add('enc/pool', 'MaxPool', { size: [2, 2], stride: [2, 2], pads: { top: 0, bottom: 0, left: 0, right: 0 } }, [modulated], {}, [3, 3, 3]);
  let flat = g.add('enc/flatten', 'Flatten', {}, [pooled], {}, [27]);
  if (options.dropout) flat = g.add('enc/dropout', 'Dropout', { rate: options.dropout }, [flat], {}, [27]);
  const s = g.dense('enc/dense', flat, 2 * K);
  const muZ = g.add('latent/mean', 'Slice', { begin: 0, size: K }, [s], {}, [K]);
  const sdZRaw = g.add('latent/std_raw', 'Slice', { begin: K, size: K }, [s], {}, [K]);
  const sdZ = g.add('latent/std', 'ShiftedSoftplus', { shift: options.stdShift ?? -5 }, [sdZRaw], {}, [K]);
  const z = g.add('latent/sample', 'Sample', { role: 'latent' }, [muZ, sdZ], {}, [K]);
  const h = g.act('dec/relu', g.dense('dec/dense1', z, K), 'relu');
  const out = g.dense('dec/dense2', h, classes);
  const logits = g.add('logits', 'SampleMean', {}, [out], {}, [classes]);
  return g.build(
    {
      logits,
      attentionMean: mu,
      attentionSample: a,
      latentMean: muZ,
      latentStd: sdZ,
      ...(quantized ? { attentionQuantized: quantized } : {}),
    },
    options.loss ?? {
      ib: { beta: 0.01, klScale: 0.5, klForm: options.klForm ?? 'standard' },
      ...(options.quantize ? { quantization: { vqWeight: 0.4, commitWeight: 0.1 } } : {}),
    },
  );
}

/** Random parameter values: weights N(0, 0.5), BN moving variance in [0.5, 1.5], anchors linspace(0, 1). */
export function randomParams(ir: ModelIR, seed: number): Map<string, Float32Array> {
  const rng = Random.fromSeed(seed);
  const out = new Map<string, Float32Array>();
  for (const p of ir.params) {
    const n = p.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    if (p.name.endsWith('anchors')) for (let i = 0; i < n; i++) data[i] = n === 1 ? 0 : i / (n - 1);
    else if (p.name.endsWith('movingVariance')) rng.fillUniform(data, 0.5, 1.5);
    else if (p.name.endsWith('gamma')) rng.fillUniform(data, 0.5, 1.5);
    else rng.fillNormal(data, 0, 0.5);
    out.set(p.name, data);
  }
  return out;
}

export function randomArray(n: number, seed: number, std = 1): Float32Array {
  return Random.fromSeed(seed).fillNormal(new Float32Array(n), 0, std);
}
