// (A .d.cts: in this "type": "module" package a .d.ts would be a module, and its `declare module` no declaration.)
// vega-scale ships index.d.ts, but its package.json `exports` names no types, so NodeNext resolution cannot
// find them: the one function colormap.ts reads, typed as that file declares it.
declare module 'vega-scale' {
  /** A named colour scheme: an interpolator over [0, 1] for continuous schemes such as viridis. */
  export function scheme(name: string): ((t: number) => string) | readonly string[] | undefined;
}
