/**
 * Accumulates ONNX nodes and initializers with unique names. Value and node
 * names derive from IR node ids ("backbone/stage2/conv1"), so every ONNX node
 * traces to the IR node, and through it to the spec layer, that produced it.
 */
import type { AttrValue, OnnxNode, OnnxTensor } from './proto.js';
import { attribute, floatTensor, int64Tensor } from './proto.js';
import type { OnnxOpType } from './opset.js';

export interface NodeOptions {
  /** Node name; also the base of the output value name. Made unique if taken. */
  readonly name: string;
  readonly attrs?: Readonly<Record<string, AttrValue>>;
  /** Exact output value name (graph outputs); default: derived from `name`. */
  readonly output?: string;
}

export class OnnxGraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private readonly taken = new Set<string>();
  /** Names kept for graph inputs/outputs: nothing derived takes them; each can be claimed once as an exact output. */
  private readonly reserved = new Set<string>();

  constructor(readonly opset: number) {}

  /** A name not used yet by any value, initializer or node: `base`, else `base_1`, `base_2`, ... */
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.taken.has(name); i++) name = `${base}_${i}`;
    this.taken.add(name);
    return name;
  }

  /** Reserves a graph input/output name so that no derived name takes it. */
  reserve(name: string): void {
    if (this.taken.has(name)) throw new Error(`onnx export bug: name '${name}' reserved twice`);
    this.taken.add(name);
    this.reserved.add(name);
  }

  /** Adds one node and returns its (single) output value name. */
  node(opType: OnnxOpType, inputs: readonly string[], options: NodeOptions): string {
    const nodeName = this.fresh(options.name);
    let output = nodeName;
    if (options.output !== undefined && options.output !== nodeName) {
      if (this.reserved.has(options.output)) this.reserved.delete(options.output);
      else if (this.taken.has(options.output)) throw new Error(`onnx export bug: output name '${options.output}' is taken`);
      this.taken.add(options.output);
      output = options.output;
    }
    this.nodes.push({
      name: nodeName,
      opType,
      input: [...inputs],
      output: [output],
      attribute: Object.entries(options.attrs ?? {}).map(([k, v]) => attribute(k, v)),
    });
    return output;
  }

  floatInitializer(base: string, dims: readonly number[], values: Float32Array): string {
    const expected = dims.reduce((a, b) => a * b, 1);
    if (values.length !== expected) {
      throw new Error(`onnx export bug: initializer '${base}' has ${values.length} values for shape [${dims.join(', ')}]`);
    }
    const name = this.fresh(base);
    this.initializers.push(floatTensor(name, dims, values));
    return name;
  }

  int64Initializer(base: string, values: readonly number[], dims: readonly number[] = [values.length]): string {
    const name = this.fresh(base);
    this.initializers.push(int64Tensor(name, dims, values));
    return name;
  }

  /** The ONNX operator types used so far. */
  opTypes(): Set<string> {
    return new Set(this.nodes.map((n) => n.opType ?? ''));
  }
}
