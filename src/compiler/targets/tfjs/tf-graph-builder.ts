/**
 * Accumulates TensorFlow NodeDefs (in the JSON form TF.js's model.json holds)
 * and the constant tensors the weights manifest carries. Node names derive
 * from IR node ids ("backbone/stage2/conv1"), so every TF node traces to the
 * IR node, and through it to the spec layer, that produced it.
 */
import { UniqueNames } from '../unique-names.js';

/** The TF dtypes the graph uses. */
export type TfDtype = 'DT_FLOAT' | 'DT_INT32';

/** A TensorFlow AttrValue in its JSON (proto3 JSON mapping) form, as tensorflowjs_converter writes it. */
export type TfAttr =
  | { readonly type: TfDtype }
  | { readonly b: boolean }
  | { readonly i: string }
  | { readonly f: number }
  /** Strings are base64 in the proto JSON mapping. */
  | { readonly s: string }
  | { readonly list: { readonly i?: readonly string[]; readonly f?: readonly number[] } }
  | { readonly shape: TfTensorShape }
  | { readonly tensor: { readonly dtype: TfDtype; readonly tensorShape: TfTensorShape } };

export interface TfTensorShape {
  readonly dim?: readonly { readonly size: string }[];
  readonly unknownRank?: boolean;
}

export interface TfNode {
  readonly name: string;
  readonly op: string;
  readonly input?: readonly string[];
  readonly attr?: Readonly<Record<string, TfAttr>>;
}

/** One constant: a Const node whose values travel in the weights manifest under the node's name. */
export interface GraphConstant {
  readonly name: string;
  readonly dtype: 'float32' | 'int32';
  readonly shape: readonly number[];
  readonly values: Float32Array | Int32Array;
}

export const FLOAT: TfAttr = { type: 'DT_FLOAT' };
export const INT32: TfAttr = { type: 'DT_INT32' };

export function tensorShape(dims: readonly number[]): TfTensorShape {
  return { dim: dims.map((d) => ({ size: String(d) })) };
}

export function intList(values: readonly number[]): TfAttr {
  return { list: { i: values.map(String) } };
}

export function stringAttr(value: string): TfAttr {
  // Attribute strings are ASCII keywords (SAME, NHWC, EXPLICIT).
  return { s: btoa(value) };
}

export class TfGraphBuilder {
  readonly nodes: TfNode[] = [];
  readonly constants: GraphConstant[] = [];
  readonly names = new UniqueNames('graph-model');

  /** Adds one node; returns its name, which is also its (first) output's name. */
  node(op: string, inputs: readonly string[], name: string, attr: Readonly<Record<string, TfAttr>> = {}, exact = false): string {
    const nodeName = exact ? this.names.claim(name) : this.names.fresh(name);
    this.nodes.push({ name: nodeName, op, ...(inputs.length > 0 ? { input: [...inputs] } : {}), attr });
    return nodeName;
  }

  /** A float32 op taking `T` (most element-wise ops). */
  floatOp(op: string, inputs: readonly string[], name: string, attr: Readonly<Record<string, TfAttr>> = {}): string {
    return this.node(op, inputs, name, { T: FLOAT, ...attr });
  }

  floatConst(base: string, shape: readonly number[], values: Float32Array): string {
    return this.constant(base, 'float32', shape, values);
  }

  intConst(base: string, values: readonly number[], shape: readonly number[] = [values.length]): string {
    return this.constant(base, 'int32', shape, Int32Array.from(values));
  }

  scalar(base: string, value: number): string {
    return this.floatConst(base, [], new Float32Array([value]));
  }

  private constant(base: string, dtype: 'float32' | 'int32', shape: readonly number[], values: Float32Array | Int32Array): string {
    const expected = shape.reduce((a, b) => a * b, 1);
    if (values.length !== expected) throw new Error(`graph-model export bug: constant '${base}' has ${values.length} values for shape [${shape.join(', ')}]`);
    const name = this.names.fresh(base);
    const tfType: TfDtype = dtype === 'float32' ? 'DT_FLOAT' : 'DT_INT32';
    this.nodes.push({ name, op: 'Const', attr: { value: { tensor: { dtype: tfType, tensorShape: tensorShape(shape) } }, dtype: { type: tfType } } });
    this.constants.push({ name, dtype, shape: [...shape], values });
    return name;
  }

  /** The TF op types used so far. */
  opTypes(): Set<string> {
    return new Set(this.nodes.map((n) => n.op));
  }
}
