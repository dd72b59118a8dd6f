/**
 * Chooses and creates a Transformer engine: `wasm` (the default, WebAssembly SIMD kernels,
 * ./wasmEngine.ts) or `reference` (plain float64 TypeScript, ./reference.ts), which the tests compare
 * the fast one with.
 */
import type { TransformerEngine, TransformerEngineOptions } from './engine';

export type TransformerEngineChoice = 'wasm' | 'reference';

export async function createTransformerEngine(choice: string, options: TransformerEngineOptions): Promise<TransformerEngine> {
  switch (choice) {
    case 'wasm':
      return (await import('./wasmEngine')).createWasmTransformerEngine(options);
    case 'reference': {
      const { ReferenceTransformerEngine } = await import('./reference');
      return new ReferenceTransformerEngine(options);
    }
    default:
      throw new Error(`no Transformer engine ${choice}: the Transformer runs on wasm (or the reference, for tests)`);
  }
}
