/** A .wat file's WebAssembly binary, by wabt (a development dependency: only kernel authors and tests need it). */
import fs from 'node:fs';
import path from 'node:path';
import createWabt from 'wabt';

export async function compileWat(file) {
  const wabt = await createWabt();
  const module = wabt.parseWat(path.basename(file), fs.readFileSync(file, 'utf8'), { simd: true });
  try {
    module.validate();
    return Buffer.from(module.toBinary({ write_debug_names: false }).buffer);
  } finally {
    module.destroy();
  }
}
