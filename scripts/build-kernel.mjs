/**
 * Compiles the WebAssembly kernels (knowledge/learn/kernel/*.wat) to the .wasm files beside them, which are
 * committed: a start, a build and the tests load the binary and need no compiler. Run `npm run build:kernel`
 * after editing a .wat; test/softmaxKernel.test.ts fails while a committed .wasm is not what its .wat compiles to.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileWat } from './compileWat.mjs';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'knowledge', 'learn', 'kernel');
for (const name of fs.readdirSync(dir).filter((f) => f.endsWith('.wat'))) {
  const bytes = await compileWat(path.join(dir, name));
  const out = path.join(dir, name.replace(/\.wat$/, '.wasm'));
  fs.writeFileSync(out, bytes);
  console.log(`${path.relative(process.cwd(), out)}: ${bytes.length} bytes`);
}
