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
 * same top-1 as the GraphModel in Node for every bundled image, and show the
 * prediction, attention and quantized maps. A screenshot is saved to
 * test-artifacts/explorer-webgl.png.
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
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../../../../src/cli/command.js';
import { main } from '../../../../src/cli/main.js';
import type { ModelIR } from '../../../../src/compiler/ir/ir.js';
import { runReference } from '../../../../src/compiler/reference/interpret.js';
import { exportGraphModel } from '../../../../src/compiler/targets/tfjs/export.js';
import { evaluationImages, loadDataset } from '../../../../src/runtime/data/index.js';
import { encodePng } from '../../../../src/runtime/figures/images/png.js';
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
  predictSample(i: number): Promise<{ top1: number; logits: number[] }>;
}
/** The DOM as far as the tests read it (the test build has no DOM typings). */
interface PageElement {
  textContent: string | null;
  dataset: Record<string, string | undefined>;
}
interface PageGlobals {
  tf: BrowserTf;
  ibcExplorer: ExplorerHooks;
  document: { body: PageElement; getElementById(id: string): PageElement | null };
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
    const values = Float32Array.from(evaluationImages(data.test, 0, EXPLORER_IMAGES, spec.model.input).images, (b) => (b / 255 - spec.data.normalize.mean[0]!) / spec.data.normalize.std[0]!);
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

  it('runs on webgl over http, agrees with Node on every bundled image, and reads well (screenshot)', async () => {
    const page = await openPage(`${server!.origin}/site/index.html?backend=webgl`);
    try {
      await page.setViewport({ width: 1180, height: 760 });
      await checkPage(page);
      expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).ibcExplorer.backend)).toBe('webgl');
      // The user's path: click a thumbnail, read the prediction panel.
      await page.click('#samples button:nth-child(2)');
      await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.getElementById('prediction')!.dataset['sample'] === 'test image 1');
      const panel = await page.evaluate(() => {
        const d = (globalThis as unknown as PageGlobals).document;
        const text = (id: string): string => d.getElementById(id)!.textContent ?? '';
        return {
          top1: Number(d.getElementById('prediction')!.dataset['top1']),
          text: text('prediction'),
          legend: text('quantized-legend'),
          attentionRange: [text('attention-min'), text('attention-max')],
        };
      });
      expect(panel.top1).toBe(nodeTop1[1]);
      expect(panel.text).toMatch(/^(top-left|top-right|bottom-left|bottom-right) \(\d+\.\d%\)true class: /);
      expect(panel.legend).toMatch(/\d\.\d\d \(\d+%\)/);
      expect(panel.attentionRange.every((t) => /^-?\d/.test(t))).toBe(true);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'explorer-webgl.png'), fullPage: true });
      // A user's own image (colour, another size) through the file chooser: resized, made grey, predicted.
      const own = join(work, 'my-photo.png');
      writeFileSync(own, encodePng(blobImage(36, 30), 36, 30));
      const input = await page.$('#file');
      await (input as unknown as { uploadFile(path: string): Promise<void> }).uploadFile(own);
      await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.getElementById('prediction')!.dataset['sample'] === 'my-photo.png');
      const dropped = await page.evaluate(() => {
        const d = (globalThis as unknown as PageGlobals).document;
        return { top1: d.getElementById('prediction')!.dataset['top1'], note: d.getElementById('input-note')!.textContent ?? '', state: d.body.dataset['state'] };
      });
      expect(dropped.state).toBe('ready');
      expect(dropped.note).toContain('my-photo.png');
      expect(['0', '1', '2', '3']).toContain(dropped.top1);
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
