/**
 * Chooses and creates a compute engine. `wasm` is the default; `tfjs` runs TensorFlow.js
 * (tfjs-node when it loads, else the CPU backend); `reference` is the plain TypeScript engine the
 * tests compare the others with.
 */
import type { EngineOptions, TrainingEngine } from '../engine';

export type EngineChoice = 'wasm' | 'tfjs' | 'reference';

export async function createEngine(choice: EngineChoice, options: EngineOptions): Promise<TrainingEngine> {
  switch (choice) {
    case 'wasm': {
      const { createWasmEngine } = await import('./wasm');
      return createWasmEngine(options);
    }
    case 'tfjs': {
      const { createTfjsEngine } = await import('./tfjs');
      return createTfjsEngine(options);
    }
    case 'reference': {
      const { ReferenceEngine } = await import('./reference');
      return new ReferenceEngine(options);
    }
    default: {
      const unknown: never = choice;
      throw new Error(`unknown engine ${String(unknown)}`);
    }
  }
}
