/**
 * Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven
 * by puppeteer-core (no browser download), WebGL2 and WebGPU through
 * SwiftShader, a fresh profile per launch, and a localhost static file server
 * started by the test (WebGPU needs a secure context: localhost is one).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--enable-unsafe-swiftshader',
  '--use-angle=swiftshader',
  '--headless=new',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
] as const;

/** Why the browser tests cannot run here, or undefined. In CI (CI=true) a missing browser is a failure, not a skip. */
export function browserUnavailable(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const reason = `${CHROMIUM} is missing (Debian package chromium)`;
  if (process.env['CI'] === 'true') throw new Error(`browser tests cannot run in CI: ${reason}`);
  return reason;
}

export interface LaunchedBrowser {
  readonly browser: Browser;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<LaunchedBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'ibc-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: false, // the mode comes from --headless=new in the arguments
    args: [...CHROMIUM_ARGS, `--user-data-dir=${profile}`],
    protocolTimeout: 240_000,
  });
  return {
    browser,
    close: async () => {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.bin': 'application/octet-stream',
  '.png': 'image/png',
};

export interface StaticServer {
  readonly origin: string;
  close(): Promise<void>;
}

/** Serves `mounts` (URL prefix -> folder) on 127.0.0.1 at a free port. Only files inside a mounted folder are served. */
export async function serveStatic(mounts: Readonly<Record<string, string>>): Promise<StaticServer> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = decodeURIComponent(url.pathname);
    const prefix = Object.keys(mounts)
      .filter((p) => path.startsWith(p))
      .sort((a, b) => b.length - a.length)[0];
    if (prefix === undefined) {
      res.writeHead(404).end();
      return;
    }
    const root = resolve(mounts[prefix]!);
    const file = normalize(join(root, path.slice(prefix.length) || 'index.html'));
    if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(readFileSync(file));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('test server has no port');
  return {
    origin: `http://127.0.0.1:${address.port}`,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
