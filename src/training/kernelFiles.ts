/**
 * Finds a built WebAssembly kernel (dist/kernels/<name>.wasm). The same code runs bundled from
 * dist/ (worker, CLI) and from src/ under the tests' TypeScript loader, so look upwards from here.
 */
import fs from 'node:fs';
import v8 from 'node:v8';
import path from 'node:path';

const compiledModules = new Map<string, WebAssembly.Module>();

export function kernelPath(fileName: string): string {
  let directory = __dirname;
  for (let depth = 0; depth < 6; depth++) {
    for (const candidate of [path.join(directory, 'kernels', fileName), path.join(directory, 'dist', 'kernels', fileName)]) {
      if (fs.existsSync(candidate)) return candidate;
    }
    directory = path.dirname(directory);
  }
  throw new Error(`The WebAssembly kernel ${fileName} is not built: run \`npm run build\` first.`);
}

/** Compiles a kernel once per process; instances are cheap after that. */
export function kernelModule(fileName: string): WebAssembly.Module {
  let compiled = compiledModules.get(fileName);
  if (!compiled) {
    compiled = new WebAssembly.Module(fs.readFileSync(kernelPath(fileName)));
    compiledModules.set(fileName, compiled);
  }
  return compiled;
}

let relaxedSimdFlagSet = false;

/**
 * Compiles a relaxed-SIMD build (fused multiply-add). Node 20's V8 ships relaxed SIMD behind
 * --experimental-wasm-relaxed-simd, so the flag is set once, before the first such module is
 * compiled. Throws if the build is missing or the runtime rejects it; callers fall back to the
 * plain SIMD build.
 */
export function relaxedKernelModule(fileName: string): WebAssembly.Module {
  kernelPath(fileName);
  if (!relaxedSimdFlagSet) {
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    relaxedSimdFlagSet = true;
  }
  return kernelModule(fileName);
}
