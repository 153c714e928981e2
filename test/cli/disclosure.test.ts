/**
 * Nothing is disclosed and nothing is written outside what the user named
 * (issue 24, cases 2 and 3): `extends` never reads (and a code frame never
 * shows) a file that is not a spec: /proc/self/environ, a secrets file, a link
 * named .ibspec that leads to one; a run file, a checkpoint or a weights file
 * linked to a secret is reported by kind, without a byte of it; `ibc compile --verify` (onnxruntime) and a training run
 * leave nothing in a fresh HOME or TMPDIR; `ibc bench --target onnx` needs no
 * TMPDIR at all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ibc, isCleanOutcome, head } from '../fixtures/cli-run.js';
import { REPO, requireBuiltCli } from '../fixtures/sweep.js';

const TINY = resolve(__dirname, '../../specs/test/tiny-aib-qt.ibspec');
const SECRET = 'ibc-test-secret-8d1f';

let work = '';
beforeAll(() => {
  requireBuiltCli();
  work = mkdtempSync(join(tmpdir(), 'ibc-disclosure-'));
  writeFileSync(join(work, 'secrets.txt'), `TOKEN=${SECRET}\nPASSWORD=${SECRET}\n`);
  symlinkSync(join(work, 'secrets.txt'), join(work, 'innocent.ibspec'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** `ibc ARGS` as a child process with its own environment (asynchronous: the test worker stays responsive while it runs). */
function child(args: readonly string[], env: Record<string, string | undefined> = {}): Promise<{ code: number; text: string }> {
  return new Promise((done, fail) => {
    const p = spawn(process.execPath, [join(REPO, 'bin', 'ibc.js'), ...args], { cwd: work, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    p.stdout.on('data', (chunk: Buffer) => void (text += chunk.toString('utf8')));
    p.stderr.on('data', (chunk: Buffer) => void (text += chunk.toString('utf8')));
    p.on('error', fail);
    p.on('close', (code) => done({ code: code ?? -1, text }));
  });
}

describe('extends reads spec files only, and frames show only them', () => {
  it.each([
    ['/proc/self/environ', '"/proc/self/environ"', 'its name does not end in .ibspec'],
    ['a secrets file', '"secrets.txt"', 'its name does not end in .ibspec'],
    ['a link named .ibspec to a secrets file', '"innocent.ibspec"', "it is a link to '"],
  ])('extends %s: refused at the string (IB3450), its content never printed', async (_what, target, why) => {
    const spec = join(work, `x-${Math.random().toString(36).slice(2)}.ibspec`);
    writeFileSync(spec, `extends ${target}\nname x\n`);
    const r = await ibc(work, 'check', spec);
    const text = r.stdout + r.stderr;
    expect(r.code).toBe(1);
    expect(text).toMatch(/:1:9: error IB3450: will not read '.*' as a base spec/);
    expect(text).toContain(why);
    expect(text).not.toContain(SECRET);
    // This process's environment, which /proc/self/environ holds.
    expect(text).not.toContain(process.env['PATH'] ?? 'PATH=');
  });

  it("a run's resolved-spec.json linked to a secret: eval says it is not valid JSON, without quoting it", async () => {
    const run = join(work, 'run');
    const t = await ibc(work, 'train', TINY, '--out', run, '--epochs', '1', '--limit-train', '64', '--limit-test', '32', '--backend', 'cpu', '--attention', '0');
    expect(t.code, head(t)).toBe(0);
    const linked = join(work, 'linked-run');
    cpSync(run, linked, { recursive: true });
    rmSync(join(linked, 'resolved-spec.json'));
    symlinkSync(join(work, 'secrets.txt'), join(linked, 'resolved-spec.json'));
    for (const args of [['eval', linked, '--backend', 'cpu'], ['train', TINY, '--resume', linked, '--backend', 'cpu'], ['compile', linked, '--target', 'onnx', '--out', join(work, 'm.onnx')]]) {
      const r = await ibc(work, ...args);
      expect(isCleanOutcome(r), head(r)).toBe(true);
      expect(r.code, head(r)).toBe(1);
      expect(r.stdout + r.stderr).not.toContain(SECRET);
    }
  }, 120_000);
});

describe('a file that is not what it should be is named by kind, never quoted', () => {
  // 'TOKE' (the secret file's first bytes) in any spelling: as text or as hex bytes.
  const noByteOf = (text: string): void => {
    expect(text).not.toContain(SECRET);
    expect(text).not.toMatch(/TOKE|54 4f 4b 45|0x54 0x4f|0x544f/i);
  };

  it('weights="secrets.txt": check refuses it (and does not also say ok), without a byte of it', async () => {
    const spec = join(work, 'trunk.ibspec');
    writeFileSync(spec, `model {\n  input 12x12x1\n  classes 4\n  backbone wrn depth=10 widen=1 dropout=0 weights="secrets.txt"\n}\ndata synthetic train_count=64 test_count=32\n`);
    const r = await ibc(work, 'check', spec);
    expect(isCleanOutcome(r), head(r)).toBe(true);
    expect(r.code, head(r)).toBe(1);
    expect(r.stderr).toContain("IB3400: cannot use the weights file '");
    expect(r.stderr).toContain('(it looks like text)');
    expect(r.stdout).not.toContain(': ok');
    noByteOf(r.stdout + r.stderr);
  });

  it("a run's checkpoint linked to a secret: eval says it is no checkpoint, without a byte of it", async () => {
    const run = join(work, 'ckpt-run');
    const t = await ibc(work, 'train', TINY, '--out', run, '--epochs', '1', '--limit-train', '64', '--limit-test', '32', '--backend', 'cpu', '--attention', '0');
    expect(t.code, head(t)).toBe(0);
    rmSync(join(run, 'checkpoints', 'last.ibck'));
    symlinkSync(join(work, 'secrets.txt'), join(run, 'checkpoints', 'last.ibck'));
    const r = await ibc(work, 'eval', run, '--backend', 'cpu');
    expect(isCleanOutcome(r), head(r)).toBe(true);
    expect(r.code, head(r)).toBe(1);
    expect(r.stderr).toContain('is not an ibc checkpoint: it does not start with the magic "IBCK" (it looks like text)');
    noByteOf(r.stdout + r.stderr);
  }, 120_000);
});

describe('nothing ibc runs writes outside the paths the user named', () => {
  it('compile --verify (onnxruntime) and train leave a fresh HOME and TMPDIR empty, with telemetry switches unset', async () => {
    const home = join(work, 'home');
    const tmp = join(work, 'tmp');
    mkdirSync(home);
    mkdirSync(tmp);
    // ONNX Runtime turns its telemetry off by itself under CI or when asked: neither may be set here.
    const env = { HOME: home, TMPDIR: tmp, CI: undefined, ORT_DISABLE_TELEMETRY: undefined, ORT_TELEMETRY_DISABLED: undefined };
    const verified = await child(['compile', TINY, '--target', 'onnx', '--out', join(work, 'v.onnx'), '--verify'], env);
    expect(verified.code, verified.text).toBe(0);
    expect(verified.text).toContain('verify: ok');
    const trained = await child(['train', TINY, '--out', join(work, 'fresh-run'), '--epochs', '1', '--limit-train', '64', '--limit-test', '32', '--backend', 'cpu', '--attention', '1'], env);
    expect(trained.code, trained.text).toBe(0);
    expect(readdirSync(home)).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
  }, 120_000);

  it('bench --target onnx times its export from memory: it runs with a TMPDIR that does not exist, and HOME stays empty', async () => {
    const home = join(work, 'bench-home');
    mkdirSync(home);
    const env = { HOME: home, TMPDIR: join(work, 'no-such-tmp'), CI: undefined, ORT_DISABLE_TELEMETRY: undefined, ORT_TELEMETRY_DISABLED: undefined };
    const r = await child(['bench', TINY, '--target', 'onnx', '--iterations', '1', '--backend', 'cpu'], env);
    expect(r.code, r.text).toBe(0);
    expect(r.text).toContain('(onnx on onnxruntime-node (cpu))');
    expect(readdirSync(home)).toEqual([]);
    expect(existsSync(join(work, 'no-such-tmp'))).toBe(false);
  }, 120_000);
});
