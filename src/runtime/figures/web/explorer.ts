/**
 * The attention explorer: a static folder that runs a GraphModel in the
 * browser with TF.js alone, offline, from file:// or any static server.
 *
 *   index.html, explorer.js, explorer.css   the page (assets/explorer/)
 *   tf.min.js, tf-backend-webgpu.min.js     TF.js bundles (no CDN): the npm package carries them in
 *                                           dist/vendor/ (scripts/pack.mjs copies them there, so that an
 *                                           installed ibc needs no @tensorflow/tfjs); a checkout takes
 *                                           them from node_modules
 *   model/model.json, model/group1-*.bin    the GraphModel (what the page loads over http)
 *   model/model-data.js                     the same model embedded, for file:// (no fetch there)
 *   samples.js                              bundled test images as PNG data: URLs with their labels
 */
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GraphModelExport } from '../../../compiler/targets/tfjs/export.js';
import { writeFileAtomic } from '../../../host/atomic-write.js';
import { packageRoot } from '../../../host/package-root.js';
import { runError, reasonOf } from '../../../support/errors.js';
import { encodePng } from '../images/png.js';
import { embeddedModelScript, writeGraphModelFolder } from './graph-model-files.js';

export const EXPLORER_PAGE_FILES = ['index.html', 'explorer.js', 'explorer.css'] as const;
export const TFJS_BUNDLES = [
  { from: '@tensorflow/tfjs/dist/tf.min.js', to: 'tf.min.js' },
  { from: '@tensorflow/tfjs-backend-webgpu/dist/tf-backend-webgpu.min.js', to: 'tf-backend-webgpu.min.js' },
] as const;

/** The bundle's file: the package's own copy (dist/vendor/, written by scripts/pack.mjs), else the installed npm package's; undefined when neither exists. */
export function bundleSource(bundle: (typeof TFJS_BUNDLES)[number], root: string = packageRoot()): string | undefined {
  const vendored = join(root, 'dist', 'vendor', bundle.to);
  if (existsSync(vendored)) return vendored;
  try {
    return createRequire(import.meta.url).resolve(bundle.from);
  } catch {
    return undefined;
  }
}

/** Test images bundled with the page: NHWC bytes (0-255). */
export interface ExplorerSamples {
  readonly images: Uint8Array;
  readonly labels: Int32Array;
  readonly count: number;
  readonly shape: readonly [number, number, number];
  /** Index of the first image in its split, for the sample names. */
  readonly offset: number;
}

/** The folder holding the page's sources: <package root>/assets/explorer. */
export function explorerAssetsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'assets', 'explorer');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error('bug: the explorer page (assets/explorer/index.html) is not installed with ibc');
}

/** One image as an RGBA PNG data: URL (grey images are replicated to RGB). */
export function sampleDataUrl(bytes: Uint8Array, shape: readonly [number, number, number]): string {
  const [h, w, c] = shape;
  const rgba = new Uint8Array(h * w * 4);
  for (let p = 0; p < h * w; p++) {
    for (let k = 0; k < 3; k++) rgba[4 * p + k] = bytes[p * c + (c === 1 ? 0 : k)]!;
    rgba[4 * p + 3] = 255;
  }
  return `data:image/png;base64,${encodePng(rgba, w, h).toString('base64')}`;
}

export function samplesScript(samples: ExplorerSamples | undefined): string {
  const items: Array<{ name: string; label: number; src: string }> = [];
  if (samples && (samples.shape[2] === 1 || samples.shape[2] === 3)) {
    const size = samples.shape[0] * samples.shape[1] * samples.shape[2];
    for (let i = 0; i < samples.count; i++) {
      items.push({ name: `test image ${samples.offset + i}`, label: samples.labels[i]!, src: sampleDataUrl(samples.images.subarray(i * size, (i + 1) * size), samples.shape) });
    }
  }
  return `// Bundled test images (PNG data: URLs, readable from file:// pages) and their true classes.\nwindow.IBC_SAMPLES = ${JSON.stringify({ items })};\n`;
}

function write(path: string, text: string): void {
  writeFileAtomic(path, [new TextEncoder().encode(text)]);
}

function copy(from: string, to: string): void {
  try {
    copyFileSync(from, to);
  } catch (error) {
    throw runError('outputWriteFailed', { path: to, reason: reasonOf(error) });
  }
}

/** Writes the explorer folder; returns the files written, relative to `dir`. */
export function writeExplorer(dir: string, exp: GraphModelExport, samples: ExplorerSamples | undefined): string[] {
  const modelDir = join(dir, 'model');
  writeGraphModelFolder(modelDir, exp);
  write(join(modelDir, 'model-data.js'), embeddedModelScript(exp));
  const assets = explorerAssetsDir();
  for (const file of EXPLORER_PAGE_FILES) write(join(dir, file), readFileSync(join(assets, file), 'utf8'));
  for (const bundle of TFJS_BUNDLES) {
    const from = bundleSource(bundle);
    if (from === undefined) {
      // Only the optional webgpu backend can be missing (a checkout installed without optional packages).
      if (!bundle.from.includes('webgpu')) throw new Error(`bug: ${bundle.from} is not installed with ibc`);
      write(join(dir, bundle.to), '// @tensorflow/tfjs-backend-webgpu was not installed where this page was written: it runs on webgl and cpu.\n');
      continue;
    }
    copy(from, join(dir, bundle.to));
  }
  write(join(dir, 'samples.js'), samplesScript(samples));
  return [
    ...EXPLORER_PAGE_FILES,
    ...TFJS_BUNDLES.map((b) => b.to),
    'samples.js',
    ...exp.shards.map((s) => `model/${s.path}`),
    'model/model.json',
    'model/model-data.js',
  ];
}
