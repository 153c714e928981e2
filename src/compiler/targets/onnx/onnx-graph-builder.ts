/**
 * Accumulates ONNX nodes and initializers with unique names. Value and node
 * names derive from IR node ids ("backbone/stage2/conv1"), so every ONNX node
 * traces to the IR node, and through it to the spec layer, that produced it.
 */
import type { AttrValue, OnnxNode, OnnxTensor } from './proto.js';
import { attribute, floatTensor, int64Tensor } from './proto.js';
import type { OnnxOpType } from './opset.js';
import { UniqueNames } from '../unique-names.js';

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
  readonly names = new UniqueNames('onnx');

  constructor(readonly opset: number) {}

  /** Adds one node and returns its (single) output value name. */
  node(opType: OnnxOpType, inputs: readonly string[], options: NodeOptions): string {
    const nodeName = this.names.fresh(options.name);
    const output = options.output !== undefined && options.output !== nodeName ? this.names.claim(options.output) : nodeName;
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
    const name = this.names.fresh(base);
    this.initializers.push(floatTensor(name, dims, values));
    return name;
  }

  int64Initializer(base: string, values: readonly number[], dims: readonly number[] = [values.length]): string {
    const name = this.names.fresh(base);
    this.initializers.push(int64Tensor(name, dims, values));
    return name;
  }

  /** The ONNX operator types used so far. */
  opTypes(): Set<string> {
    return new Set(this.nodes.map((n) => n.opType ?? ''));
  }
}
