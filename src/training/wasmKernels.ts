/**
 * The one place that loads the WebAssembly kernels (src/kernels/, built to dist/kernels/*.wasm) and
 * plans their memory, for every user: the epoch engine (engines/wasm.ts and its thread), the rolling
 * Gram (diagnostics/rollingGram.ts), the gradient-direction probe (diagnostics/gradientSed.ts) and
 * the linear-algebra driver (diagnostics/linalgKernels.ts).
 *
 * Conventions (src/kernels/README.md): the kernels have no allocator and no static data beyond the
 * module's initial memory; the TypeScript side lays out every buffer, 64-byte aligned (one cache
 * line, and a whole number of SIMD vectors), and passes byte addresses.
 */
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import type { LossName } from '../shared/config/types';

/** A kernel build: `relaxed` (relaxed SIMD, fused multiply-add) or `plain` SIMD. */
export type SimdBuild = 'relaxed' | 'plain';
/** `auto` tries the relaxed build and falls back to the plain one. */
export type SimdChoice = 'auto' | SimdBuild;

export const WASM_PAGE = 65536;

/** How the kernels name the loss (epoch.wasm's `loss` setting, linalg.wasm's lossResidualStrips). */
export const LOSS_CODE: Readonly<Record<LossName, number>> = { mse: 0, crossEntropy: 1 };
/** Alignment of every planned buffer, in bytes. */
const BUFFER_ALIGNMENT = 64;

export function roundUp(value: number, multiple: number): number {
  return Math.ceil(value / multiple) * multiple;
}

/**
 * Finds a built kernel. The same code runs bundled from dist/ (worker, CLI) and from src/ under the
 * tests' TypeScript loader, so look upwards from here.
 */
function kernelPath(fileName: string): string {
  let directory = __dirname;
  for (let depth = 0; depth < 6; depth++) {
    for (const candidate of [path.join(directory, 'kernels', fileName), path.join(directory, 'dist', 'kernels', fileName)]) {
      if (fs.existsSync(candidate)) return candidate;
    }
    directory = path.dirname(directory);
  }
  throw new Error(`The WebAssembly kernel ${fileName} is not built: run \`npm run build\` first.`);
}

const compiledModules = new Map<string, WebAssembly.Module>();
let relaxedSimdFlagSet = false;

/** Compiles a kernel file once per process; instances are cheap after that. Throws if it is missing or rejected. */
function compileFile(fileName: string): WebAssembly.Module {
  let compiled = compiledModules.get(fileName);
  if (!compiled) {
    const bytes = fs.readFileSync(kernelPath(fileName));
    // Node 20's V8 ships relaxed SIMD behind --experimental-wasm-relaxed-simd: set it once, before
    // the first such module is compiled (src/kernels/README.md, "Builds").
    if (fileName.endsWith('-relaxed.wasm') && !relaxedSimdFlagSet) {
      v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
      relaxedSimdFlagSet = true;
    }
    compiled = new WebAssembly.Module(bytes);
    compiledModules.set(fileName, compiled);
  }
  return compiled;
}

/**
 * Compiles the kernel `<name>.wasm` (plain) or `<name>-relaxed.wasm` (relaxed SIMD). `auto` takes
 * the relaxed build when it is built and the runtime accepts it, else the plain one; a named build
 * throws when it cannot be loaded. Kernels built in one form only (window.wasm) ask for `plain`.
 */
export function compileKernel(name: string, choice: SimdChoice): { module: WebAssembly.Module; simd: SimdBuild } {
  if (choice !== 'plain') {
    try {
      return { module: compileFile(`${name}-relaxed.wasm`), simd: 'relaxed' };
    } catch (error) {
      if (choice === 'relaxed') throw new Error(`the relaxed-SIMD build ${name}-relaxed.wasm cannot run here: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return { module: compileFile(`${name}.wasm`), simd: 'plain' };
}

/**
 * Byte offsets of consecutive buffers of the given byte sizes, each 64-byte aligned, from `start`
 * (aligned up); `end` is the first byte after the last. The memory plan of every kernel user.
 */
export function planBuffers(start: number, sizes: readonly number[]): { offsets: number[]; end: number } {
  const offsets: number[] = [];
  let end = roundUp(start, BUFFER_ALIGNMENT);
  for (const size of sizes) {
    offsets.push(end);
    end = roundUp(end + size, BUFFER_ALIGNMENT);
  }
  return { offsets, end };
}

/** A shared memory of exactly the pages that hold `bytes` (it cannot grow: both threads keep views of it). */
export function sharedMemory(bytes: number): WebAssembly.Memory {
  const pages = Math.ceil(bytes / WASM_PAGE);
  return new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
}

export interface KernelInstanceOptions {
  /** Instantiate on this (imported, shared) memory instead of the module's own. */
  memory?: WebAssembly.Memory;
  /** First byte the caller may use; default: the end of the module's initial memory (its data lives below). */
  base?: number;
}

/**
 * One instance of a kernel module and its memory: the arena its caller lays buffers out in.
 * Views are taken of the current buffer; growing the memory detaches older views, so a caller
 * takes views after reserve().
 */
export class KernelInstance<Exports> {
  readonly exports: Exports;
  readonly memory: WebAssembly.Memory;
  /** First usable byte (64-byte aligned). */
  readonly base: number;

  constructor(module: WebAssembly.Module, label: string, options: KernelInstanceOptions = {}) {
    const abort = (): never => {
      throw new Error(`${label}: the WebAssembly kernel aborted`);
    };
    const instance = new WebAssembly.Instance(module, { env: options.memory ? { memory: options.memory, abort } : { abort } });
    this.exports = instance.exports as unknown as Exports;
    const memory = options.memory ?? (instance.exports as { memory?: WebAssembly.Memory }).memory;
    if (!memory) throw new Error(`${label}: the kernel exports no memory and none was given`);
    this.memory = memory;
    this.base = roundUp(options.base ?? memory.buffer.byteLength, BUFFER_ALIGNMENT);
  }

  /** Grows the memory (never shrinks it) so that it holds `end` bytes; fresh pages are zero. */
  growTo(end: number): void {
    const missing = end - this.memory.buffer.byteLength;
    if (missing > 0) this.memory.grow(Math.ceil(missing / WASM_PAGE));
  }

  /** Lays out buffers of the given byte sizes from `base` (planBuffers), grows the memory to hold them, returns their offsets. */
  reserve(...sizes: number[]): number[] {
    const { offsets, end } = planBuffers(this.base, sizes);
    this.growTo(end);
    return offsets;
  }

  f32(offset: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, offset, length);
  }

  f64(offset: number, length: number): Float64Array {
    return new Float64Array(this.memory.buffer, offset, length);
  }

  i32(offset: number, length: number): Int32Array {
    return new Int32Array(this.memory.buffer, offset, length);
  }
}
