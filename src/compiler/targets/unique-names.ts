/**
 * The names of one exported graph (ONNX values and nodes, TF.js GraphModel nodes):
 * derived names made unique, and the graph's input/output names kept free until the
 * node that produces each claims it exactly. A clash is a bug in the emitter.
 */
export class UniqueNames {
  private readonly taken = new Set<string>();
  /** Names kept for graph inputs/outputs: nothing derived takes them; each can be claimed once. */
  private readonly reserved = new Set<string>();

  /** `target` names the emitter in bug messages. */
  constructor(private readonly target: string) {}

  /** A name not used yet: `base`, else `base_1`, `base_2`, ... */
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.taken.has(name); i++) name = `${base}_${i}`;
    this.taken.add(name);
    return name;
  }

  /** Keeps a graph input/output name from derived names until `claim` takes it. */
  reserve(name: string): void {
    if (this.taken.has(name)) throw new Error(`${this.target} export bug: name '${name}' reserved twice`);
    this.taken.add(name);
    this.reserved.add(name);
  }

  /** Takes an exact name (graph inputs and outputs): a reserved one, or one never used. */
  claim(name: string): string {
    if (this.reserved.delete(name)) return name;
    if (this.taken.has(name)) throw new Error(`${this.target} export bug: name '${name}' is taken`);
    this.taken.add(name);
    return name;
  }
}
