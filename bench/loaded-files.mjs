// `node --import ./loaded-files.mjs …` prints `loaded <path>` on stderr for every file of
// JavaScript the process loads, ES module or CommonJS, so the benchmark can weigh what a cold
// start reads. Never loaded in a timed run: the hooks themselves cost time.
import Module, { register } from 'node:module';
import { writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';

/** The ES module loader hook (runs on the loader thread). */
export async function load(url, context, nextLoad) {
  if (url.startsWith('file:')) writeSync(2, `loaded ${fileURLToPath(url)}\n`);
  return nextLoad(url, context);
}

if (isMainThread) {
  register(import.meta.url);
  for (const extension of ['.js', '.cjs']) {
    const compile = Module._extensions[extension];
    Module._extensions[extension] = function (module, filename) {
      writeSync(2, `loaded ${filename}\n`);
      return compile.call(this, module, filename);
    };
  }
}
