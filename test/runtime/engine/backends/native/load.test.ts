/**
 * Loading the native addon: where it is looked for (a build from source, else the package's
 * prebuilt one), and what a failure tells the user: why, and the one line that fixes it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAddon } from '../../../../../src/runtime/engine/backends/native/addon.js';
import { builtAddonPath, debianPackageOf, explainLoadError, locateAddon, prebuiltAddonPath, type PackageLayout } from '../../../../../src/runtime/engine/backends/native/locate.js';
import { nativeAddonForTests } from '../../../../fixtures/native.js';

const scratch = mkdtempSync(join(tmpdir(), 'ibc-addon-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function layout(files: readonly string[], platform = 'linux', arch = 'x64'): PackageLayout {
  const present = new Set(files.map((f) => join('/pkg', f)));
  return { root: '/pkg', platform, arch, exists: (p) => present.has(p) };
}

describe('locating the native addon', () => {
  it("prefers the checkout's own build to the prebuilt one", () => {
    expect(locateAddon(layout(['native/build/Release/ibc_native.node', 'prebuilds/linux-x64/ibc_native.node']))).toEqual({ path: builtAddonPath('/pkg'), origin: 'built' });
  });

  it("takes the package's prebuilt addon for this platform", () => {
    expect(locateAddon(layout(['prebuilds/linux-x64/ibc_native.node']))).toEqual({ path: prebuiltAddonPath('/pkg', 'linux', 'x64'), origin: 'prebuilt' });
  });

  it('in a checkout without a build, says to build it', () => {
    expect(locateAddon(layout(['native/binding.gyp']))).toEqual({
      why: 'the native kernels are not built (/pkg/native/build/Release/ibc_native.node is missing)',
      fix: 'apt-get install -y libdnnl-dev && npm run build:native',
    });
  });

  it('in the package on another platform, says which platforms it carries', () => {
    expect(locateAddon(layout(['prebuilds/linux-x64/ibc_native.node'], 'linux', 'arm64'))).toEqual({
      why: 'this ibc package carries prebuilt native kernels for linux-x64 only, and this machine is linux-arm64',
      fix: 'build them from source in a checkout of ibc (apt-get install -y libdnnl-dev && npm run build:native)',
    });
  });

  it('in a package that lost its prebuilt addon, says to reinstall', () => {
    expect(locateAddon(layout([]))).toEqual({ why: 'this ibc package has lost its prebuilt native kernels (/pkg/prebuilds/linux-x64/ibc_native.node is missing)', fix: 'reinstall ibc' });
  });
});

describe('explaining a load failure', () => {
  const prebuilt = { path: '/pkg/prebuilds/linux-x64/ibc_native.node', origin: 'prebuilt' as const };

  it("names the missing system library and Debian's package for it", () => {
    expect(explainLoadError('libdnnl.so.2: cannot open shared object file: No such file or directory', prebuilt)).toEqual({
      why: 'the native kernels (/pkg/prebuilds/linux-x64/ibc_native.node) need libdnnl.so.2, which is not installed (oneDNN, the kernel library)',
      fix: 'apt-get install -y libdnnl2',
    });
    expect(explainLoadError('libgomp.so.1: cannot open shared object file: No such file or directory', prebuilt).fix).toBe('apt-get install -y libgomp1');
    expect(explainLoadError('libfoo.so.7: cannot open shared object file: No such file or directory', prebuilt).fix).toBe('install the system package that provides libfoo.so.7');
    expect(debianPackageOf('libdnnl.so.3')).toBe('libdnnl3');
    expect(debianPackageOf('libOpenCL.so.1')).toBe('ocl-icd-libopencl1');
  });

  it('says when the C/C++ runtime is older than Debian 12', () => {
    const r = explainLoadError("/lib/x86_64-linux-gnu/libstdc++.so.6: version `GLIBCXX_3.4.29' not found (required by /pkg/prebuilds/linux-x64/ibc_native.node)", prebuilt);
    expect(r.why).toBe('the native kernels (/pkg/prebuilds/linux-x64/ibc_native.node) need GLIBCXX_3.4.29, newer than this system\'s C/C++ runtime (they are built on Debian 12)');
    expect(r.fix).toMatch(/^run ibc on Debian 12 or newer/);
  });

  it('a file that is not a library for this machine: rebuild (checkout) or reinstall (package)', () => {
    const built = { path: '/src/native/build/Release/ibc_native.node', origin: 'built' as const };
    expect(explainLoadError('/src/x.node: invalid ELF header', built).fix).toBe('apt-get install -y libdnnl-dev && npm run build:native');
    expect(explainLoadError('/pkg/x.node: invalid ELF header', prebuilt).fix).toBe('reinstall ibc (its prebuilt kernels are damaged)');
  });

  it('a missing file given by path is a reason with the fix, not an exception', () => {
    const result = loadAddon('/nonexistent/ibc_native.node');
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.why).toBe('the native kernels are not built (/nonexistent/ibc_native.node is missing)');
      expect(result.reason).toBe(`${result.why}; to fix it: apt-get install -y libdnnl-dev && npm run build:native`);
    }
  });

  it('a file that is not an addon is a reason too', () => {
    const path = join(scratch, 'not-an-addon.node');
    writeFileSync(path, 'plain text, not ELF\n'.repeat(200));
    const result = loadAddon(path);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.why).toMatch(/is not a native library for this machine \(.*invalid ELF header\)/);
  });

  it('a real dlopen failure for a missing oneDNN gives the apt-get line', () => {
    const addon = nativeAddonForTests();
    if (addon === undefined) return; // not built here (CI requires it: nativeAddonForTests throws there)
    const loaded = loadAddon();
    if (!loaded.ok) throw new Error(loaded.reason);
    // The built addon, made to need a oneDNN soname this machine does not have.
    const bytes = readFileSync(loaded.location.path);
    const at = bytes.indexOf(Buffer.from('libdnnl.so.2\0'));
    expect(at).toBeGreaterThan(0);
    bytes.set(Buffer.from('libdnnl.so.9\0'), at);
    const path = join(scratch, 'needs-libdnnl9.node');
    writeFileSync(path, bytes);
    const result = loadAddon(path);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.why).toBe(`the native kernels (${path}) need libdnnl.so.9, which is not installed (oneDNN, the kernel library)`);
      expect(result.fix).toBe('apt-get install -y libdnnl9');
    }
  });

  it('the loaded addon reports the instruction set oneDNN uses', () => {
    const addon = nativeAddonForTests();
    if (addon === undefined) return;
    expect(addon.info().isa).toMatch(/^(sse41|avx|avx2|avx2_vnni|avx512_core(_vnni|_bf16|_amx)?|avx512_mic(_4ops)?)$/);
  });
});
