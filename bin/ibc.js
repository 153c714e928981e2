#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build`.
// A reader that stops early (`ibc explain --list | head`) closes the pipe: that ends
// the output, it is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err && err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}
import('../dist/cli/main.js')
  .then((m) => m.main(process.argv.slice(2)))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((err) => {
    if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli/main.js')) {
      console.error('ibc: not built yet. Run `npm run build` in the package folder first.');
      process.exitCode = 2;
      return;
    }
    console.error('ibc: internal error (a bug in ibc; please report it):');
    console.error(err && err.stack ? err.stack : err);
    process.exitCode = 70;
  });
