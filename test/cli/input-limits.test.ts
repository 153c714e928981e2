/**
 * Hostile input files: devices, huge files, 150,000-line specs, floods of
 * errors, old Mac line endings, stray byte-order marks. Each gives a clear,
 * located answer in seconds and never a stack overflow (issue 16).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MAX_SPEC_FILE_BYTES, memoryFileSystem, nodeFileSystem } from '../../src/host/file-system.js';
import { renderDiagnostics } from '../../src/diagnostics/render.js';
import { diagnostic } from '../../src/diagnostics/catalog.js';
import { ibc, isCleanOutcome, head } from '../fixtures/cli-run.js';

const TINY = readFileSync(resolve(__dirname, '../../specs/test/tiny-aib-qt.ibspec'), 'utf8');

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'ibc-input-limits-'));
});

function write(name: string, text: string): string {
  const path = join(work, name);
  writeFileSync(path, text);
  return path;
}

describe('files that are not specs', () => {
  it('ibc check /dev/zero is refused at once: not a regular file', async () => {
    const r = await ibc(work, 'check', '/dev/zero');
    expect(isCleanOutcome(r), head(r)).toBe(true);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("IB3106: will not read '/dev/zero': it is a character device, not a regular file");
  });

  it('extends "/dev/zero" is refused at the extends string', async () => {
    const path = write('extends-device.ibspec', 'extends "/dev/zero"\n');
    const r = await ibc(work, 'check', path);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/extends-device\.ibspec:1:9: error IB3106: will not read '\/dev\/zero'/);
  });

  it('a file over the size limit is refused before it is read', async () => {
    const path = write('huge.ibspec', `# ${'x'.repeat(MAX_SPEC_FILE_BYTES)}\n`);
    const r = await ibc(work, 'check', path);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/IB3106: will not read '.*huge\.ibspec': it is [\d,]+ bytes; a spec file may be at most 1,048,576 bytes/);
    expect(nodeFileSystem.readFile(path)).toBeUndefined();
  });

  it('a folder named as a base is refused with what it is', () => {
    expect(nodeFileSystem.whyNotReadable?.(work)).toBe('it is a folder, not a regular file');
    expect(nodeFileSystem.whyNotReadable?.(join(work, 'absent'))).toBeUndefined();
    expect(memoryFileSystem({}).whyNotReadable).toBeUndefined();
  });
});

describe('folders', () => {
  it('a folder with a link back up the tree and a link loop: each spec checked once, a pipe refused', async () => {
    const root = join(work, 'tree');
    mkdirSync(join(root, 'sub'), { recursive: true });
    writeFileSync(join(root, 'a.ibspec'), TINY);
    writeFileSync(join(root, 'sub', 'b.ibspec'), TINY);
    symlinkSync('..', join(root, 'sub', 'up'));
    symlinkSync('loop.ibspec', join(root, 'loop.ibspec'));
    spawnSync('mkfifo', [join(root, 'pipe.ibspec')]);
    const r = await ibc(work, 'check', root);
    expect(isCleanOutcome(r), head(r)).toBe(true);
    expect(r.stdout.trim().split('\n')).toEqual(['tree/a.ibspec: ok', 'tree/sub/b.ibspec: ok']);
    expect(r.stderr).toContain("IB3106: will not read '" + join(root, 'pipe.ibspec') + "': it is a named pipe, not a regular file");
    expect(r.stderr.trimEnd().split('\n').pop()).toBe('1 error');
  });
});

describe('depth and floods', () => {
  it('the 1.5 MB spec of 150,000 repeated lines is refused by its size, at once', async () => {
    const path = write('long.ibspec', `${TINY}${'train.seed 1\n'.repeat(150_000)}`);
    const r = await ibc(work, 'check', path);
    expect(isCleanOutcome(r), head(r)).toBe(true);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/IB3106: will not read '.*long\.ibspec': it is 1,95\d,\d{3} bytes/);
  });

  it('a block of more than 10,000 layers: a located error at the first layer over the limit', async () => {
    const path = write('wide.ibspec', TINY.replace('      conv 8 kernel=3\n', `      conv 8 kernel=3\n${'relu\n'.repeat(12_000)}`));
    const r = await ibc(work, 'check', path);
    expect(isCleanOutcome(r), head(r)).toBe(true);
    expect(r.stderr.split('\n')[0]).toMatch(/wide\.ibspec:10011:1: error IB3018/);
  });

  it('diagnostics lists of any length pass through the front end without spreading into a call (no stack overflow)', async () => {
    // 150,000 unknown keys: each is one diagnostic of the document builder, joined by loops (push(...list) overflowed the stack)
    const path = write('dupes.ibspec', `${TINY}${'a.b 1\n'.repeat(150_000)}`);
    const r = await ibc(work, 'check', path);
    expect(isCleanOutcome(r), head(r)).toBe(true);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\.\.\. and [\d,]+ more/);
  }, 60_000);

  it('20,000 errors: text shows the first 50 and counts the rest; JSON has them all', async () => {
    const path = write('flood.ibspec', `${TINY}${Array.from({ length: 20_000 }, (_, i) => `bogus${i} 1\n`).join('')}`);
    const text = await ibc(work, 'check', path);
    expect(text.code).toBe(1);
    expect(text.stderr).toContain('... and 19,950 more (--format json lists them all)');
    expect(text.stderr.match(/error IB3001/g)).toHaveLength(50);
    const json = await ibc(work, 'check', path, '--format', 'json');
    expect((JSON.parse(json.stdout) as unknown[]).length).toBe(20_000);
  }, 60_000);

  it('rendering splits each source once: 5,000 frames into one long file is linear work', () => {
    const source = Array.from({ length: 5000 }, (_, i) => `line${i}`).join('\n');
    const span = (line: number) => ({ file: 'f', start: { line, column: 1, offset: 0 }, end: { line, column: 3, offset: 2 } });
    const many = Array.from({ length: 5000 }, (_, i) => diagnostic('unknownSection', { span: span(i + 1), args: { name: `line${i}` } }));
    const out = renderDiagnostics(many, new Map([['f', source]]), { limit: 5000 });
    expect(out.match(/\^\^/g)).toHaveLength(5000);
    expect(out).not.toContain('more (--format json');
  });
});

describe('characters', () => {
  it('CR-only line endings end lines: the spec checks clean, and errors point at the right line', async () => {
    expect((await ibc(work, 'check', write('cr.ibspec', TINY.replace(/\n/g, '\r')))).code).toBe(0);
    const bad = write('cr-bad.ibspec', TINY.replace('latent 16', 'latent 16 17').replace(/\n/g, '\r'));
    const r = await ibc(work, 'check', bad);
    const line = TINY.split('\n').findIndex((l) => l.includes('latent 16')) + 1;
    expect(r.stderr).toContain(`cr-bad.ibspec:${line}:15: error IB3007: 'latent' takes one value, got 2`);
    expect(r.stderr).toContain(`${line} |     latent 16 17`);
  });

  it('a U+FEFF inside the file is a located warning', async () => {
    const r = await ibc(work, 'check', write('bom.ibspec', TINY.replace('latent 16', 'latent\uFEFF 16')));
    expect(r.code).toBe(0);
    const line = TINY.split('\n').findIndex((l) => l.includes('latent 16')) + 1;
    expect(r.stderr).toContain(`bom.ibspec:${line}:11: warning IB1006`);
  });

  it('a byte-order mark at the start is no warning', async () => {
    const r = await ibc(work, 'check', write('lead-bom.ibspec', `\uFEFF${TINY}`));
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('IB1006');
  });
});
