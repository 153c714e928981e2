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
 *   explorer-data.js                        the colour map (viridis, the PNG figures' table), the learned
 *                                           anchors, how training images were converted and their statistics
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GraphModelExport } from '../../../compiler/targets/tfjs/export.js';
import { commitOutputs, type OutputFile } from '../../../host/output-policy.js';
import { readFileOf, readFilePrefix } from '../../../host/read-file.js';
import type { DataSpec } from '../../../compiler/spec/resolved-spec.js';
import type { ImageStatistics } from '../../data/image-statistics.js';
import { VIRIDIS } from '../images/colormap.js';
import { packageRoot } from '../../../host/package-root.js';
import { encodePng } from '../images/png.js';
import { earlierGraphModelFiles, embeddedModelScript, graphModelFiles } from './graph-model-files.js';

export const EXPLORER_PAGE_FILES = ['index.html', 'explorer.js', 'explorer.css'] as const;
export const EXPLORER_DATA_FILE = 'explorer-data.js';
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

const text = (t: string): Uint8Array[] => [new TextEncoder().encode(t)];

/** An installed file (the page's sources, a TF.js bundle), read through the bounded reader. */
function installedFile(path: string): Uint8Array {
  const outcome = readFileOf('asset', path);
  if (!outcome.ok) throw new Error(`bug: ${path}, installed with ibc, cannot be read: ${outcome.problem.reason}`);
  return outcome.bytes;
}

/**
 * How an image of another size becomes a model input, as the training images were made:
 * - fit: the longer side scaled to the input, centred on the background (Fashion-MNIST's own
 *   conversion: longest edge resized, shorter one extended, item centred);
 * - cover: the shorter side scaled to the input, then the centre cropped (torchvision's Resize +
 *   CenterCrop);
 * - stretch: straight to the input size (a folder without `resize`, the synthetic task).
 * `resize`: a folder's `resize` (the shorter side first goes to it, then the centre is cropped).
 */
export type UploadFit = 'fit' | 'cover' | 'stretch';
export interface UploadConversion {
  readonly fit: UploadFit;
  readonly resize?: number;
}

/** Per data kind: how the training images reached the input size (data/idx.ts, cifar.ts, folder.ts, synthetic.ts). */
const UPLOAD_CONVERSION: { readonly [K in DataSpec['kind']]: (data: Extract<DataSpec, { kind: K }>) => UploadConversion } = {
  idx: () => ({ fit: 'fit' }),
  cifar10: () => ({ fit: 'cover' }),
  cifar100: () => ({ fit: 'cover' }),
  folder: (data) => (data.resize !== undefined ? { fit: 'cover', resize: data.resize } : { fit: 'stretch' }),
  synthetic: () => ({ fit: 'stretch' }),
};

export function uploadConversion(data: DataSpec): UploadConversion {
  return (UPLOAD_CONVERSION[data.kind] as (d: DataSpec) => UploadConversion)(data);
}

/** What the page needs besides the model and the images. */
export interface ExplorerData {
  /** The quantizer's learned anchors, ascending, when the model quantizes: marked on the colour bar. */
  readonly anchors?: readonly number[];
  readonly conversion: UploadConversion;
  /** Of the training images, when the data could be read here; uploads are compared with them. */
  readonly statistics?: ImageStatistics;
  /** For the page's note: "the training split's first N images". */
  readonly statisticsSource?: string;
}

export function explorerDataScript(data: ExplorerData): string {
  const page = {
    // The PNG figures' viridis table (figures/images/colormap.ts): the page draws the same colours.
    viridis: Array.from(VIRIDIS),
    anchors: data.anchors ? [...data.anchors] : null,
    conversion: data.conversion,
    statistics: data.statistics ?? null,
    statisticsSource: data.statisticsSource ?? null,
  };
  return `// The explorer's colour map, anchors and training-data facts (written by ibc compile --target web).\nwindow.IBC_EXPLORER_DATA = ${JSON.stringify(page)};\n`;
}

/** The title of the explorer page: how a folder ibc wrote an explorer into is recognised. */
const PAGE_MARK = '<title>ibc attention explorer</title>';

/** The page's own files, by name in the folder (the model's are model.json's). */
const PAGE_FILES: readonly string[] = [...EXPLORER_PAGE_FILES, ...TFJS_BUNDLES.map((b) => b.to), 'samples.js', EXPLORER_DATA_FILE, 'model/model-data.js'];

/** The files of an explorer ibc wrote earlier in `dir` (its index.html has the page's title), or none. */
export function earlierExplorerFiles(dir: string): string[] {
  const index = readFilePrefix(join(dir, 'index.html'), 4096);
  if (index === undefined || !new TextDecoder().decode(index).includes(PAGE_MARK)) return [];
  return [...PAGE_FILES.map((f) => join(dir, f)), ...earlierGraphModelFiles(join(dir, 'model'))];
}

/** The explorer folder's files, in the order they go into place: the model first, index.html last. */
export function explorerFiles(dir: string, exp: GraphModelExport, samples: ExplorerSamples | undefined, data: ExplorerData): OutputFile[] {
  const modelDir = join(dir, 'model');
  const assets = explorerAssetsDir();
  const bundles: OutputFile[] = TFJS_BUNDLES.map((bundle) => {
    const from = bundleSource(bundle);
    if (from === undefined) {
      // Only the optional webgpu backend can be missing (a checkout installed without optional packages).
      if (!bundle.from.includes('webgpu')) throw new Error(`bug: ${bundle.from} is not installed with ibc`);
      return { path: join(dir, bundle.to), chunks: text('// @tensorflow/tfjs-backend-webgpu was not installed where this page was written: it runs on webgl and cpu.\n') };
    }
    return { path: join(dir, bundle.to), chunks: [installedFile(from)] };
  });
  const page = (name: string): OutputFile => ({ path: join(dir, name), chunks: [installedFile(join(assets, name))] });
  return [
    ...graphModelFiles(modelDir, exp),
    { path: join(modelDir, 'model-data.js'), chunks: text(embeddedModelScript(exp)) },
    ...bundles,
    { path: join(dir, 'samples.js'), chunks: text(samplesScript(samples)) },
    { path: join(dir, EXPLORER_DATA_FILE), chunks: text(explorerDataScript(data)) },
    ...EXPLORER_PAGE_FILES.filter((f) => f !== 'index.html').map(page),
    page('index.html'),
  ];
}

/**
 * Writes the explorer folder under the output policy, all at once: every file
 * to a temporary first, renamed into place only when all are written,
 * index.html last; a failure (a full disk) leaves no half-built page and
 * removes the folders it made. Files of an explorer ibc wrote there before are
 * replaced (and its model shards the new one lacks removed); any other file
 * of the same name only with `overwrite`. Returns the files, relative to `dir`.
 */
export function writeExplorer(dir: string, exp: GraphModelExport, samples: ExplorerSamples | undefined, data: ExplorerData, overwrite = false): string[] {
  const earlier = earlierExplorerFiles(dir);
  const files = explorerFiles(dir, exp, samples, data);
  commitOutputs({ what: 'the attention explorer', files, ours: (path) => earlier.includes(path), overwrite, stale: earlier });
  return files.map((f) => relative(dir, f.path).split(sep).join('/'));
}
