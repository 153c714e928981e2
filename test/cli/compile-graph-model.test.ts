/**
 * `ibc compile --target tfjs` and `--target web` through the CLI: the folders
 * they write, what plain TF.js reads from them (metadata, class names), and
 * the exit statuses of the mistakes a user can make.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/command.js';
import { main } from '../../src/cli/main.js';
import { readTfjsArtifact } from '../../src/compiler/targets/ibc-runtime/artifact.js';
import { VIRIDIS } from '../../src/runtime/figures/images/colormap.js';
import { RunError } from '../../src/support/errors.js';
import { fileHandler, SPECS } from '../fixtures/graph-model.js';

const TINY = join(SPECS, 'test/tiny-aib-qt.ibspec');

let work: string;

async function ibc(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), isTTY: false, cwd: work };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'ibc-graph-cli-'));
  await tf.setBackend('cpu');
});

/** The explorer's explorer-data.js, parsed. */
function explorerData(site: string): { viridis: number[]; anchors: number[] | null; conversion: unknown; statistics: { images: number; polarity?: string; mean: { low: number; high: number } } | null } {
  const text = readFileSync(join(work, site, 'explorer-data.js'), 'utf8');
  return JSON.parse(text.slice(text.indexOf('=') + 1).trim().replace(/;$/, '')) as ReturnType<typeof explorerData>;
}

describe('ibc compile --target tfjs|web', () => {
  it('writes a GraphModel that tf.loadGraphModel reads, with its metadata', async () => {
    const r = await ibc('compile', TINY, '--target', 'tfjs', '--out', 'graph');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('TF.js GraphModel');
    expect(r.stdout).toContain('outputs logits, attention, attention_quantized');
    const model = await tf.loadGraphModel(fileHandler(join(work, 'graph')));
    const meta = model.metadata as { spec: { name: string; hash: string }; classNames: string[]; input: { normalize: { mean: number[]; std: number[] } } };
    expect(meta.spec.name).toBe('tiny-aib-qt');
    expect(meta.spec.hash).toMatch(/^[0-9a-f]{16,}$/);
    expect(meta.classNames).toEqual(['top-left', 'top-right', 'bottom-left', 'bottom-right']);
    expect(meta.input.normalize).toEqual({ mean: [0.3], std: [0.3] });
    expect(model.outputs.map((o) => o.name)).toEqual(['logits', 'attention', 'attention_quantized']);
    model.dispose();
    // ibc's own loader says what the folder is instead of a bare format mismatch.
    let error: unknown;
    try {
      readTfjsArtifact(join(work, 'graph'));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RunError);
    expect((error as RunError).diagnostic.code).toBe('IB6602');
    expect((error as RunError).diagnostic.message).toContain('tf.loadGraphModel');
    expect((error as RunError).diagnostic.message).toContain('--target ibc-runtime');
  });

  it('writes the explorer folder: page, TF.js bundles, model (served and embedded), bundled images', async () => {
    const r = await ibc('compile', TINY, '--target', 'web', '--out', 'site', '--images', '3');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('3 bundled test images');
    for (const file of ['index.html', 'explorer.js', 'explorer.css', 'tf.min.js', 'tf-backend-webgpu.min.js', 'samples.js', 'explorer-data.js', 'model/model.json', 'model/group1-shard1of1.bin', 'model/model-data.js']) {
      expect(existsSync(join(work, 'site', file)), file).toBe(true);
    }
    const html = readFileSync(join(work, 'site/index.html'), 'utf8');
    expect(html).not.toMatch(/https?:\/\//);
    expect(readFileSync(join(work, 'site/samples.js'), 'utf8').match(/data:image\/png;base64,/g)).toHaveLength(3);
    // The page's colours are the PNG figures' viridis table; the quantizer's 8 anchors are listed for the colour bar.
    const page = explorerData('site');
    expect(page.viridis).toEqual(Array.from(VIRIDIS));
    expect(page.anchors).toHaveLength(8);
    expect(page.anchors).toEqual([...page.anchors!].sort((a, b) => a - b));
    expect(page.conversion).toEqual({ fit: 'stretch' });
  });

  it('bundles real test images with class names, and still writes the page when the data is not on this machine', async () => {
    const fashion = join(SPECS, 'fashion-small-baseline.ibspec');
    const r = await ibc('compile', fashion, '--target', 'web', '--out', 'fashion-site', '--images', '2');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const samples = readFileSync(join(work, 'fashion-site/samples.js'), 'utf8');
    expect(samples.match(/data:image\/png;base64,/g)).toHaveLength(2);
    const meta = JSON.parse(readFileSync(join(work, 'fashion-site/model/model.json'), 'utf8')).userDefinedMetadata as { classNames: string[]; outputs: Record<string, string> };
    expect(meta.classNames[9]).toBe('Ankle boot');
    expect(Object.keys(meta.outputs)).toEqual(['logits']);
    // Uploads are converted as Fashion-MNIST made its items and compared with 2000 training images (light items on black).
    const fashionPage = explorerData('fashion-site');
    expect(fashionPage.conversion).toEqual({ fit: 'fit' });
    expect(fashionPage.anchors).toBeNull();
    expect(fashionPage.statistics).toMatchObject({ images: 2000, polarity: 'dark-background' });
    expect(fashionPage.statistics!.mean.low).toBeLessThan(fashionPage.statistics!.mean.high);
    writeFileSync(join(work, 'elsewhere.ibspec'), readFileSync(TINY, 'utf8').replace(/data synthetic[^{]*\{/, 'data idx {\n  train images="missing/a.gz" labels="missing/b.gz"\n  test images="missing/c.gz" labels="missing/d.gz"'));
    const missing = await ibc('compile', 'elsewhere.ibspec', '--target', 'web', '--out', 'elsewhere-site');
    expect(missing.code, missing.stderr).toBe(0);
    expect(missing.stderr).toContain('note: no test images bundled');
    expect(missing.stdout).toContain('0 bundled test images');
    expect(readFileSync(join(work, 'elsewhere-site/samples.js'), 'utf8')).toContain('{"items":[]}');
    expect(explorerData('elsewhere-site').statistics).toBeNull();
  });

  it('exits 2 on --images misuse and 1 with IB5020 for a layer TF.js cannot run', async () => {
    for (const argv of [
      ['compile', TINY, '--target', 'tfjs', '--out', 'x', '--images', '3'],
      ['compile', TINY, '--target', 'web', '--out', 'x', '--images', 'many'],
      ['compile', TINY, '--target', 'web', '--out', 'x', '--opset', '17'],
    ]) {
      const r = await ibc(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^ibc compile: [^\n]+ \(see 'ibc compile --help'\)\n$/);
    }
    writeFileSync(
      join(work, 'dilated.ibspec'),
      readFileSync(TINY, 'utf8').replace('      conv 16 kernel=3\n', '      conv 16 kernel=3 stride=2 dilation=2\n').replace('      maxpool 2\n    }\n  }', '    }\n  }'),
    );
    const r = await ibc('compile', 'dilated.ibspec', '--target', 'tfjs', '--out', 'dilated');
    expect(r.stderr).toContain('IB5020');
    expect(r.stderr).toContain('dilated.ibspec:');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(1);
    expect(existsSync(join(work, 'dilated/model.json'))).toBe(false);
  });
});
