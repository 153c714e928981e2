/**
 * Where the native addon is, and what to tell the user when it does not load.
 *
 * Two places, in order:
 * - `native/build/Release/ibc_native.node`: built from source (`npm run build:native`
 *   in a checkout). A developer's own build always wins.
 * - `prebuilds/<platform>-<arch>/ibc_native.node`: the prebuilt addon inside the
 *   npm package (linux-x64, built on Debian 12 against its oneDNN 2, libdnnl.so.2).
 *   It needs only Debian's runtime library: `apt-get install libdnnl2`.
 *
 * Pure: the file system and the platform come in as arguments, so every
 * message is tested without touching the machine.
 */
import { join } from 'node:path';

export type AddonOrigin = 'built' | 'prebuilt';

export interface AddonLocation {
  readonly path: string;
  readonly origin: AddonOrigin;
}

/** Why the addon cannot be used, and the one command line that fixes it. */
export interface AddonProblem {
  readonly why: string;
  readonly fix: string;
}

export interface PackageLayout {
  /** The package root (the folder holding package.json). */
  readonly root: string;
  readonly platform: string;
  readonly arch: string;
  readonly exists: (path: string) => boolean;
}

/** The platforms the npm package carries a prebuilt addon for. */
export const PREBUILT_PLATFORMS: readonly string[] = ['linux-x64'];

export const ADDON_FILE = 'ibc_native.node';

/** The checkout's build from source; what `npm run build:native` writes. */
export function builtAddonPath(root: string): string {
  return join(root, 'native', 'build', 'Release', ADDON_FILE);
}

export function prebuiltAddonPath(root: string, platform: string, arch: string): string {
  return join(root, 'prebuilds', `${platform}-${arch}`, ADDON_FILE);
}

/** Building from source needs the C++ sources, which only a checkout has (the package ships the prebuilt addon instead). */
function isCheckout(layout: PackageLayout): boolean {
  return layout.exists(join(layout.root, 'native', 'binding.gyp'));
}

export const BUILD_FROM_SOURCE = 'apt-get install -y libdnnl-dev && npm run build:native';

/** The addon to load, or why there is none. */
export function locateAddon(layout: PackageLayout): AddonLocation | AddonProblem {
  const built = builtAddonPath(layout.root);
  if (layout.exists(built)) return { path: built, origin: 'built' };
  const prebuilt = prebuiltAddonPath(layout.root, layout.platform, layout.arch);
  if (layout.exists(prebuilt)) return { path: prebuilt, origin: 'prebuilt' };
  const here = `${layout.platform}-${layout.arch}`;
  if (isCheckout(layout)) return { why: `the native kernels are not built (${built} is missing)`, fix: BUILD_FROM_SOURCE };
  if (PREBUILT_PLATFORMS.includes(here)) return { why: `this ibc package has lost its prebuilt native kernels (${prebuilt} is missing)`, fix: 'reinstall ibc' };
  return {
    why: `this ibc package carries prebuilt native kernels for ${PREBUILT_PLATFORMS.join(', ')} only, and this machine is ${here}`,
    fix: `build them from source in a checkout of ibc (${BUILD_FROM_SOURCE})`,
  };
}

/**
 * Debian's package for each shared library the addon links (readelf -d: NEEDED)
 * and for what libdnnl itself loads (Debian 12 names). oneDNN's runtime package
 * is named after its soname: libdnnl.so.2 is libdnnl2 (Debian 12), libdnnl.so.3
 * is libdnnl3 (Debian 13).
 */
const DEBIAN_PACKAGE_OF_LIBRARY: Readonly<Record<string, string>> = {
  'libgomp.so.1': 'libgomp1',
  'libstdc++.so.6': 'libstdc++6',
  'libgcc_s.so.1': 'libgcc-s1',
  'libOpenCL.so.1': 'ocl-icd-libopencl1',
};

export function debianPackageOf(library: string): string | undefined {
  const onednn = /^libdnnl\.so\.(\d+)$/.exec(library);
  return onednn ? `libdnnl${onednn[1] ?? ''}` : DEBIAN_PACKAGE_OF_LIBRARY[library];
}

/** The first line of a load error (dlopen's message), turned into why and how to fix it. */
export function explainLoadError(message: string, location: AddonLocation): AddonProblem {
  const first = message.split('\n')[0] ?? message;
  const rebuild = location.origin === 'built' ? BUILD_FROM_SOURCE : 'reinstall ibc (its prebuilt kernels are damaged)';
  const missing = /([\w.+-]+\.so(?:\.\d+)*): cannot open shared object file/.exec(first);
  if (missing) {
    const library = missing[1] ?? '';
    const pkg = debianPackageOf(library);
    return {
      why: `the native kernels (${location.path}) need ${library}, which is not installed${library.startsWith('libdnnl') ? ' (oneDNN, the kernel library)' : ''}`,
      fix: pkg !== undefined ? `apt-get install -y ${pkg}` : `install the system package that provides ${library}`,
    };
  }
  const version = /version [`'"]?((?:GLIBC|GLIBCXX|CXXABI)_[\d.]+)[`'"]? not found/.exec(first);
  if (version) {
    return {
      why: `the native kernels (${location.path}) need ${version[1] ?? 'a newer C/C++ runtime'}, newer than this system's C/C++ runtime (they are built on Debian 12)`,
      fix: location.origin === 'prebuilt' ? `run ibc on Debian 12 or newer, or build the kernels from source in a checkout of ibc (${BUILD_FROM_SOURCE})` : BUILD_FROM_SOURCE,
    };
  }
  if (/wrong ELF class|invalid ELF header|file too short|ELF file's OS ABI|machine type/i.test(first)) {
    return { why: `${location.path} is not a native library for this machine (${first})`, fix: rebuild };
  }
  return { why: `the native kernels (${location.path}) failed to load (${first})`, fix: rebuild };
}
