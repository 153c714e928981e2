/**
 * The GraphModel and the attention explorer in a real browser: headless
 * Chromium (Debian's, driven by puppeteer-core) with WebGL2 and WebGPU through
 * SwiftShader. Chromium is launched once for the file.
 *
 * Parity: the GraphModel loaded with plain tf.loadGraphModel over http from a
 * localhost server, on TF.js's webgl and webgpu backends, against the
 * reference interpreter at batch 1 and 3. Tolerance: max |error| <= 1e-4 *
 * max(1, max |logits|), the Node bound scaled with the logits. Both backends
 * compute in float32 here (WebGL float textures, WGSL f32), but in other
 * summation orders than the reference and with GPU transcendentals (exp,
 * tanh, erf, the log in softplus) whose accuracy GLSL ES and WGSL leave to
 * the implementation (SwiftShader uses polynomial approximations); measured
 * here: <= 1.2e-6 on webgl and <= 7.2e-7 on webgpu at |logits| up to 4.5, so
 * the bound keeps a margin of ~100 while a wrong lowering (errors of order
 * 0.1..1) cannot pass. Attention maps (values in 0..1) are held to 1e-4.
 *
 * Node side: tfjs-core + tfjs-converter (what @tensorflow/tfjs bundles for
 * GraphModels) rather than the umbrella package, because this process also
 * trains a model with ibc, and the umbrella registers tfjs-core's stock
 * gradients (its GatherV2 gradient returns int32 indices), which would
 * pre-empt ibc's own.
 *
 * Explorer: `ibc compile --target web` for a briefly trained tiny model,
 * opened over http on webgl and from file://; the page must load, show the
 * same top-1 as the GraphModel in Node for every bundled image, and draw what
 * its legend says, read back from screenshots: every map cell in viridis of
 * its value on the fixed scale (then on the stretched one), the colour bar's
 * colours, the overlay's mix with the input; uploads converted (inverted when
 * the background is the other way round) and flagged when unlike the training
 * data; nothing wider than a 360-pixel screen. Screenshots are saved to
 * test-artifacts/explorer-webgl*.png.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import type { Page } from 'puppeteer-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../../../../src/cli/command.js';
import { main } from '../../../../src/cli/main.js';
import type { ModelIR } from '../../../../src/compiler/ir/ir.js';
import { runReference } from '../../../../src/compiler/reference/interpret.js';
import { exportGraphModel } from '../../../../src/compiler/targets/tfjs/export.js';
import { evaluationImages, loadDataset } from '../../../../src/runtime/data/index.js';
import { encodePng } from '../../../../src/runtime/figures/images/png.js';
import { viridisAt } from '../../../../src/runtime/figures/images/colormap.js';
import { calibrateBatchNorm, randomImages, randomWeights, scaledWeights } from '../../../fixtures/onnx.js';
import { browserUnavailable, launchChromium, serveStatic, type LaunchedBrowser, type StaticServer } from '../../../fixtures/browser.js';
import { allOpsIr } from '../../../fixtures/graph-model-irs.js';
import { compileFile, fileHandler, runGraphModel, SPECS, writeExport } from '../../../fixtures/graph-model.js';

const REPO = resolve(__dirname, '../../../..');
const ARTIFACTS = join(REPO, 'test-artifacts');
const TINY = join(SPECS, 'test/tiny-aib-qt.ibspec');
const BATCHES = [1, 3] as const;
const BACKENDS = ['webgl', 'webgpu'] as const;
const RELATIVE_TOLERANCE = 1e-4;
const EXPLORER_IMAGES = 6;

const unavailable = browserUnavailable();
if (unavailable) console.warn(`skipping the browser tests: ${unavailable}`);

/** What the pages expose, as seen from page.evaluate. */
interface BrowserTf {
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  getBackend(): string;
  loadGraphModel(url: string): Promise<{ execute(inputs: Record<string, unknown>, outputs: string[]): unknown; dispose(): void }>;
  tensor(values: number[], shape: number[]): unknown;
}
interface ExplorerHooks {
  ready: Promise<void>;
  backend: string;
  predictSample(i: number): Promise<Shown>;
  setView(mode: 'side' | 'overlay'): Shown;
  setOpacity(alpha: number): Shown;
  setStretch(on: boolean): Shown;
  upload: UploadInfo;
}
/** The DOM as far as the tests read it (the test build has no DOM typings). */
interface PageElement {
  textContent: string | null;
  dataset: Record<string, string | undefined>;
  classList: { contains(name: string): boolean };
  getBoundingClientRect(): { right: number };
}
interface PageGlobals {
  tf: BrowserTf;
  ibcExplorer: ExplorerHooks;
  document: { body: PageElement; documentElement: { scrollWidth: number }; getElementById(id: string): PageElement | null };
}

let chromium: LaunchedBrowser | undefined;
let server: StaticServer | undefined;
let work: string;

interface ParityModel {
  readonly name: string;
  readonly ir: ModelIR;
  readonly weights: Map<string, Float32Array>;
  readonly outputs: readonly string[];
}

const parityModels: ParityModel[] = [];

beforeAll(async () => {
  if (unavailable) return;
  await tf.setBackend('cpu');
  work = mkdtempSync(join(tmpdir(), 'ibc-browser-'));
  const tiny = compileFile(TINY);
  const all = allOpsIr();
  const models = [
    { name: 'tiny-aib-qt', ir: tiny.ir, weights: calibrateBatchNorm(tiny.ir, scaledWeights(tiny.ir, 1), randomImages(4, tiny.ir.inputShape, 99), 4) },
    { name: 'all-ops', ir: all, weights: randomWeights(all, 11) },
  ];
  for (const m of models) {
    const exp = exportGraphModel(m.ir, m.weights, { meta: { specName: m.name, specHash: 'test' } });
    expect(exp.diagnostics).toEqual([]);
    writeExport(exp.value!, join(work, 'models', m.name));
    parityModels.push({ ...m, outputs: exp.value!.outputs });
  }
  writeFileSync(join(work, 'harness.html'), '<!doctype html><meta charset="utf-8"><script src="/tfjs/tf.min.js"></script><script src="/tfjs-webgpu/tf-backend-webgpu.min.js"></script>\n');
  const require = createRequire(import.meta.url);
  server = await serveStatic({
    '/': work,
    '/tfjs/': dirname(require.resolve('@tensorflow/tfjs/dist/tf.min.js')),
    '/tfjs-webgpu/': dirname(require.resolve('@tensorflow/tfjs-backend-webgpu/dist/tf-backend-webgpu.min.js')),
  });
  chromium = await launchChromium();
}, 240_000);

afterAll(async () => {
  await chromium?.close();
  await server?.close();
});

async function openPage(url: string): Promise<Page> {
  const page = await chromium!.browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url, { waitUntil: 'load' });
  if (errors.length > 0) throw new Error(`page errors: ${errors.join('; ')}`);
  return page;
}

/** A w x h RGBA picture: dark noise-free background, one bright orange blob in the top-left quarter. */
function blobImage(w: number, h: number): Uint8Array {
  const rgba = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = Math.exp(-((x - w / 4) ** 2 + (y - h / 4) ** 2) / (2 * (w / 10) ** 2));
      rgba.set([40 + 215 * v, 30 + 150 * v, 20 + 40 * v, 255], 4 * (y * w + x));
    }
  }
  return rgba;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** What the explorer hands back for the image it shows. */
interface Shown {
  top1: number;
  logits: number[];
  attention: number[] | null;
  quantized: number[] | null;
  mapShape: [number, number];
  scale: { low: number; high: number };
}
interface UploadInfo {
  conversion: string;
  polarity: string | null;
  disagrees: boolean;
  inverted: boolean;
  flagged: boolean;
}

type Action = 'predictSample' | 'setView' | 'setOpacity' | 'setStretch';
/** Calls one of the explorer's hooks in the page; resolves to what it then shows. */
function explorer(page: Page, action: Action, arg: number | boolean | string): Promise<Shown> {
  return page.evaluate(
    async (a: Action, v: number | boolean | string) => {
      const hooks = (globalThis as unknown as PageGlobals).ibcExplorer as unknown as Record<Action, (x: unknown) => Promise<Shown> | Shown>;
      return hooks[a](v);
    },
    action,
    arg,
  );
}

function text(page: Page, id: string): Promise<string> {
  return page.evaluate((i: string) => (globalThis as unknown as PageGlobals).document.getElementById(i)!.textContent ?? '', id);
}

function hidden(page: Page, id: string): Promise<boolean> {
  return page.evaluate((i: string) => (globalThis as unknown as PageGlobals).document.getElementById(i)!.classList.contains('hidden'), id);
}

/** A screenshot of one element (its border box), decoded. */
async function shot(page: Page, selector: string): Promise<PNG> {
  const element = await page.$(selector);
  if (!element) throw new Error(`no ${selector} on the page`);
  return PNG.sync.read(Buffer.from(await element.screenshot()));
}

function pixel(png: PNG, x: number, y: number): [number, number, number] {
  const o = 4 * (y * png.width + x);
  return [png.data[o]!, png.data[o + 1]!, png.data[o + 2]!];
}

/** Where map cell (i, j) is drawn in a 224-pixel panel with a 1-pixel border. */
function cellCentre(i: number, j: number, mh: number, mw: number): [number, number] {
  return [1 + Math.floor(((j + 0.5) * 224) / mw), 1 + Math.floor(((i + 0.5) * 224) / mh)];
}

/** Within 2 per channel: the page writes exact bytes; the compositor may round once. */
function expectColour(got: readonly number[], want: readonly number[], what: string): void {
  expect(Math.max(...got.map((g, k) => Math.abs(g - want[k]!))), `${what}: got rgb(${got.join(',')}), want rgb(${want.join(',')})`).toBeLessThanOrEqual(2);
}

/** Every cell of both maps, in the screenshot, has the colour of its value on `scale`. */
async function expectMapColours(page: Page, shown: Shown, scale: { low: number; high: number }, what: string): Promise<void> {
  const [mh, mw] = shown.mapShape;
  for (const [id, values] of [['#attention-view', shown.attention], ['#quantized-view', shown.quantized]] as const) {
    expect(values, `${id} values`).not.toBeNull();
    const png = await shot(page, id);
    for (let i = 0; i < mh; i++) {
      for (let j = 0; j < mw; j++) {
        const [x, y] = cellCentre(i, j, mh, mw);
        expectColour(pixel(png, x, y), viridisAt(values![i * mw + j]!, scale.low, scale.high), `${what}: ${id} cell ${i},${j} = ${values![i * mw + j]!.toFixed(4)}`);
      }
    }
  }
}

/** Bundled test image i of the explorer as RGBA (grey replicated). */
let sampleImage: (i: number) => Uint8Array;

/** An h x w RGBA image magnified k times, nearest neighbour. */
function magnified(rgba: Uint8Array, h: number, w: number, k: number): Uint8Array {
  const out = new Uint8Array(h * k * w * k * 4);
  for (let y = 0; y < h * k; y++) for (let x = 0; x < w * k; x++) out.set(rgba.subarray(4 * (Math.floor(y / k) * w + Math.floor(x / k)), 4 * (Math.floor(y / k) * w + Math.floor(x / k)) + 4), 4 * (y * w * k + x));
  return out;
}

describe.skipIf(unavailable !== undefined)('GraphModel in headless Chromium matches the reference interpreter', () => {
  for (const backend of BACKENDS) {
    it(`on TF.js ${backend}, batch ${BATCHES.join(' and ')}`, async () => {
      const page = await openPage(`${server!.origin}/harness.html`);
      try {
        const active = await page.evaluate(async (name: string) => {
          const g = globalThis as unknown as PageGlobals;
          const ok = await g.tf.setBackend(name);
          await g.tf.ready();
          return ok ? g.tf.getBackend() : 'none';
        }, backend);
        expect(active, `TF.js could not start ${backend} in Chromium`).toBe(backend);
        for (const m of parityModels) {
          for (const batch of BATCHES) {
            const images = randomImages(batch, m.ir.inputShape, 31 + batch);
            const got = await page.evaluate(
              async (url: string, values: number[], shape: number[], outputs: string[]) => {
                const g = globalThis as unknown as PageGlobals;
                const model = await g.tf.loadGraphModel(url);
                const result = model.execute({ image: g.tf.tensor(values, shape) }, outputs) as Array<{ data(): Promise<Float32Array>; dispose(): void }>;
                const data = await Promise.all(result.map((t) => t.data()));
                result.forEach((t) => t.dispose());
                model.dispose();
                return data.map((d) => Array.from(d));
              },
              `${server!.origin}/models/${m.name}/model.json`,
              Array.from(images),
              [batch, ...m.ir.inputShape],
              [...m.outputs],
            );
            const reference = runReference(m.ir, m.weights, images, batch, { training: false, samples: 0 });
            const logits = got[0]!;
            const bound = RELATIVE_TOLERANCE * Math.max(1, maxAbs(reference.logits));
            const error = maxAbsDiff(logits, reference.logits);
            console.log(`${backend} ${m.name} batch ${batch}: max |logits| ${maxAbs(reference.logits).toPrecision(3)}, max abs error ${error.toExponential(2)} (bound ${bound.toExponential(1)})`);
            expect(error, `${m.name} logits on ${backend} at batch ${batch}`).toBeLessThanOrEqual(bound);
            const attention = m.ir.taps.attentionMean;
            if (attention) expect(maxAbsDiff(got[1]!, reference.values.get(attention)!), `${m.name} attention on ${backend}`).toBeLessThanOrEqual(RELATIVE_TOLERANCE);
          }
        }
      } finally {
        await page.close();
      }
    }, 240_000);
  }
});

describe.skipIf(unavailable !== undefined)('the attention explorer in headless Chromium', () => {
  let site: string;
  let nodeTop1: number[];
  let nodeLogits: Float32Array[];

  beforeAll(async () => {
    let stderr = '';
    const io: CliIO = { stdout: () => undefined, stderr: (t) => void (stderr += t), isTTY: false, cwd: work };
    const run = join(work, 'run');
    const trained = await main(['train', TINY, '--out', run, '--epochs', '1', '--limit-train', '256', '--limit-test', '32', '--backend', 'cpu', '--attention', '0'], io);
    expect(trained, stderr).toBe(0);
    site = join(work, 'site');
    const compiled = await main(['compile', TINY, '--target', 'web', '--weights', run, '--out', site, '--images', String(EXPLORER_IMAGES)], io);
    expect(compiled, stderr).toBe(0);
    // The Node side: the same GraphModel folder in plain TF.js, fed the same test images.
    const { spec, ir } = compileFile(TINY);
    const data = await loadDataset(spec.data, { seed: spec.train.seed, limitTrain: 1, limitTest: EXPLORER_IMAGES, input: spec.model.input, classes: spec.model.classes, baseDir: dirname(TINY) });
    const testImages = evaluationImages(data.test, 0, EXPLORER_IMAGES, spec.model.input).images;
    const values = Float32Array.from(testImages, (b) => (b / 255 - spec.data.normalize.mean[0]!) / spec.data.normalize.std[0]!);
    const size = ir.inputShape[0] * ir.inputShape[1];
    sampleImage = (i) => Uint8Array.from({ length: 4 * size }, (_, k) => (k % 4 === 3 ? 255 : testImages[i * size + Math.floor(k / 4)]!));
    const model = await loadGraphModel(fileHandler(join(site, 'model')));
    const logits = runGraphModel(model, values, [EXPLORER_IMAGES, ...ir.inputShape], ['logits']).get('logits')!;
    model.dispose();
    nodeLogits = Array.from({ length: EXPLORER_IMAGES }, (_, i) => logits.subarray(i * ir.classes, (i + 1) * ir.classes));
    nodeTop1 = nodeLogits.map((row) => row.indexOf(Math.max(...row)));
  }, 240_000);

  async function checkPage(page: Page): Promise<void> {
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.body.dataset['state'] !== 'loading', { timeout: 120_000 });
    const state = await page.evaluate(() => {
      const d = (globalThis as unknown as PageGlobals).document;
      return { state: d.body.dataset['state'], status: d.getElementById('status')!.textContent };
    });
    expect(state.state, state.status ?? '').toBe('ready');
    for (let i = 0; i < EXPLORER_IMAGES; i++) {
      const shown = await page.evaluate(async (k: number) => (globalThis as unknown as PageGlobals).ibcExplorer.predictSample(k), i);
      expect(shown.top1, `top-1 of bundled image ${i}`).toBe(nodeTop1[i]);
      expect(maxAbsDiff(shown.logits, nodeLogits[i]!), `logits of bundled image ${i}`).toBeLessThanOrEqual(RELATIVE_TOLERANCE * Math.max(1, maxAbs(nodeLogits[i]!)));
    }
  }

  it('runs on webgl over http, agrees with Node on every bundled image, and draws the colours its legend says (screenshots)', async () => {
    const page = await openPage(`${server!.origin}/site/index.html?backend=webgl`);
    try {
      await page.setViewport({ width: 1180, height: 900 });
      await checkPage(page);
      expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).ibcExplorer.backend)).toBe('webgl');
      // The user's path: click a thumbnail, read the prediction panel.
      await page.click('#samples button:nth-child(2)');
      await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.getElementById('prediction')!.dataset['sample'] === 'test image 1');
      const panel = await page.evaluate(() => {
        const d = (globalThis as unknown as PageGlobals).document;
        const text = (id: string): string => d.getElementById(id)!.textContent ?? '';
        return { top1: Number(d.getElementById('prediction')!.dataset['top1']), text: text('prediction'), legend: text('quantized-legend'), scale: text('scale-note'), anchors: text('anchor-note') };
      });
      expect(panel.top1).toBe(nodeTop1[1]);
      expect(panel.text).toMatch(/^(top-left|top-right|bottom-left|bottom-right) \(\d+\.\d%\)true class: /);
      expect(panel.legend).toMatch(/\d\.\d\d \(\d+%\)/);
      expect(panel.scale).toContain('fixed scale');
      expect(panel.anchors).toContain('8 learned anchors');

      // Fixed scale: both maps on viridis over [0, 1] (widened to the anchors), the PNG figures' table.
      const fixed = await explorer(page, 'predictSample', 1);
      expect(fixed.scale.low).toBeLessThanOrEqual(0);
      expect(fixed.scale.high).toBeGreaterThanOrEqual(1);
      await expectMapColours(page, fixed, fixed.scale, 'fixed scale');
      // The colour bar reads the same scale: its pixel at a value has that value's colour; anchors are marked above it.
      const bar = await shot(page, '#colorbar');
      for (const t of [0, 0.25, 0.5, 1]) {
        const x = Math.round(t * (bar.width - 1));
        expectColour(pixel(bar, x, 16), viridisAt(fixed.scale.low + t * (fixed.scale.high - fixed.scale.low), fixed.scale.low, fixed.scale.high), `colour bar at ${t}`);
      }
      const anchorRow = Array.from({ length: bar.width }, (_, x) => pixel(bar, x, 3)).filter((c) => c[0] < 60 && c[1] < 60 && c[2] < 60).length;
      expect(anchorRow, 'anchor marks above the bar').toBeGreaterThanOrEqual(2);

      // "Stretch to this image": the scale becomes this image's lowest to highest map value, and says so.
      const stretched = await explorer(page, 'setStretch', true);
      const values = [...stretched.attention!, ...stretched.quantized!];
      expect(stretched.scale).toEqual({ low: Math.min(...values), high: Math.max(...values) });
      await expectMapColours(page, stretched, stretched.scale, 'stretched');
      expect(await text(page, 'scale-note')).toContain('stretched to this image');
      await explorer(page, 'setStretch', false);

      // Over the input at an opacity: each cell is its colour mixed with the input's grey; the bar shows the mix over black and white.
      await explorer(page, 'setView', 'overlay');
      await explorer(page, 'setOpacity', 0.5);
      const input = await shot(page, '#input-view');
      const over = await shot(page, '#attention-view');
      const [mh, mw] = fixed.mapShape;
      for (const [i, j] of [[0, 0], [mh - 1, mw - 1], [Math.floor(mh / 2), Math.floor(mw / 2)]] as const) {
        const [x, y] = cellCentre(i, j, mh, mw);
        const [r, g, b] = pixel(input, x, y);
        const grey = Math.round((r + g + b) / 3);
        const colour = viridisAt(fixed.attention![i * mw + j]!, fixed.scale.low, fixed.scale.high);
        expectColour(pixel(over, x, y), colour.map((c) => Math.round(0.5 * grey + 0.5 * c)) as [number, number, number], `overlay cell ${i},${j}`);
      }
      const overBar = await shot(page, '#colorbar');
      const mid = viridisAt(0.5 * (fixed.scale.low + fixed.scale.high), fixed.scale.low, fixed.scale.high);
      const midX = Math.round(0.5 * (overBar.width - 1));
      expectColour(pixel(overBar, midX, 11), mid.map((c) => Math.round(0.5 * c)) as [number, number, number], 'bar over black');
      expectColour(pixel(overBar, midX, 23), mid.map((c) => Math.round(0.5 * 255 + 0.5 * c)) as [number, number, number], 'bar over white');
      expect(await text(page, 'colorbar-rows')).toContain('50% opacity');
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'explorer-webgl-overlay.png'), fullPage: true });
      await explorer(page, 'setView', 'side');
      await page.screenshot({ path: join(ARTIFACTS, 'explorer-webgl.png'), fullPage: true });

      // A user's own images through the file chooser, converted as the training data was.
      const upload = async (name: string, rgba: Uint8Array, w: number, h: number): Promise<UploadInfo> => {
        const path = join(work, name);
        writeFileSync(path, encodePng(rgba, w, h));
        const chooser = await page.$('#file');
        await (chooser as unknown as { uploadFile(path: string): Promise<void> }).uploadFile(path);
        await page.waitForFunction((n: string) => (globalThis as unknown as PageGlobals).document.getElementById('prediction')!.dataset['sample'] === n, {}, name);
        return page.evaluate(() => (globalThis as unknown as PageGlobals).ibcExplorer.upload);
      };
      // A bundled test image, three times larger: like the training data, so neither inverted nor flagged.
      const like = await upload('like-training.png', magnified(sampleImage(0), 12, 12, 3), 36, 36);
      expect(like).toMatchObject({ polarity: 'dark-background', inverted: false, flagged: false });
      expect(like.conversion).toContain('scaled to 12×12');
      expect(await hidden(page, 'upload-flag')).toBe(true);
      // A colour photo of another size: resized, made grey, predicted.
      const photo = await upload('my-photo.png', blobImage(36, 30), 36, 30);
      expect(photo.inverted).toBe(false);
      expect(await text(page, 'input-note')).toContain('my-photo.png');
      expect(['0', '1', '2', '3']).toContain(await page.evaluate(() => (globalThis as unknown as PageGlobals).document.getElementById('prediction')!.dataset['top1']));
      // A white page: its background is the other way round (inverted), and nothing like the training images (flagged).
      const white = await upload('white.png', new Uint8Array(20 * 30 * 4).fill(255), 20, 30);
      expect(white).toMatchObject({ disagrees: true, inverted: true, flagged: true });
      expect(await hidden(page, 'upload-flag')).toBe(false);
      expect(await text(page, 'upload-flag')).toContain('Unlike the training data');
      expect(await text(page, 'invert-why')).toContain('light on a dark background');

      // Usable at 360 px: nothing wider than the screen, every panel on it.
      await page.setViewport({ width: 360, height: 800 });
      const narrow = await page.evaluate(() => {
        const d = (globalThis as unknown as PageGlobals).document;
        const right = (id: string): number => d.getElementById(id)!.getBoundingClientRect().right;
        return { scroll: d.documentElement.scrollWidth, panels: ['attention-view', 'quantized-view', 'colorbar', 'opacity', 'prediction'].map(right) };
      });
      expect(narrow.scroll).toBeLessThanOrEqual(360);
      for (const r of narrow.panels) expect(r).toBeLessThanOrEqual(360);
      await page.screenshot({ path: join(ARTIFACTS, 'explorer-webgl-360px.png'), fullPage: true });
      expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).document.body.dataset['state'])).toBe('ready');
    } finally {
      await page.close();
    }
  }, 240_000);

  it('works offline from file:// (model embedded, no fetch)', async () => {
    const page = await openPage(`${pathToFileURL(join(site, 'index.html')).href}?backend=webgl`);
    try {
      await checkPage(page);
      expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).document.getElementById('status')!.textContent)).toContain('offline (file://)');
    } finally {
      await page.close();
    }
  }, 240_000);
});
