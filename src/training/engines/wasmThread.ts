/**
 * The second thread of the two-thread wasm engine (wasm.ts), and the control-block protocol both
 * sides share. The thread instantiates the same kernel module on the engine's shared memory and
 * runs its share of each parallel phase (src/kernels/README.md, "Threads").
 *
 * Protocol: a 16-int control block on a SharedArrayBuffer. The engine writes the operation and
 * its arguments, then increments SEQUENCE and notifies; the thread runs its share, stores the
 * sequence number in DONE and notifies. Each side reads the word it waits on once per loop turn
 * and passes that value to Atomics.wait (reading it twice loses wake-ups: docs/performance.md §4.3).
 *
 * Built by esbuild.js as dist/wasmThread.js (next to the bundles that create it); under the tests'
 * TypeScript loader the engine starts this .ts file instead (the loader is inherited through
 * execArgv).
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { KernelInstance } from '../wasmKernels';

/** Indices into the control block (Int32Array). */
export const ControlIndex = {
  /** Incremented by the engine for each command. */
  sequence: 0,
  /** The command: one of ThreadOperation. */
  operation: 1,
  /** Sequence number of the last command the thread finished. */
  done: 2,
  /** Set to 1 by the thread when its share threw; the engine then throws. */
  failed: 3,
  /** Sequence number of the last command the thread picked up (lets the engine detect a dead thread). */
  started: 4,
  /** First of the command's integer arguments. */
  arguments: 5,
} as const;

/** Length of the control block in Int32 elements. */
export const CONTROL_LENGTH = 16;

/** Commands of the protocol. */
export const ThreadOperation = {
  exit: 0,
  /** forwardRows(train rows [arg0, arg1)) then forwardRows(test rows [arg2, arg3)). */
  forward: 1,
  /** backwardPanels(K-panels [arg0, arg1)). */
  backward: 2,
} as const;

/** What the engine passes to the thread (structured-cloned; module and memory are shared). */
export interface KernelThreadData {
  kind: 'grokking-lab-wasm-thread';
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  /** Byte address of the layout block in the shared memory. */
  layout: number;
}

/** The kernel exports the thread calls (see src/kernels/epoch.ts). */
interface ThreadKernels {
  forwardRows(layout: number, split: number, rowStart: number, rowEnd: number, thread: number): void;
  backwardPanels(layout: number, panelStart: number, panelEnd: number, thread: number): void;
}

function isKernelThreadData(value: unknown): value is KernelThreadData {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'grokking-lab-wasm-thread';
}

/**
 * The thread's loop: waits for a command, runs this thread's share (thread index 1), reports it
 * done; returns on `exit`. Blocks its thread in Atomics.wait between commands.
 */
function runKernelThread(data: KernelThreadData, port: NonNullable<typeof parentPort>): void {
  const kernels = new KernelInstance<ThreadKernels>(data.module, 'epoch.wasm (second thread)', { memory: data.memory }).exports;
  const control = new Int32Array(data.control);
  const argument = (index: number): number => control[ControlIndex.arguments + index];
  // The engine's first command has sequence number 1; start from the known 0, not from a load,
  // which could already see 1 if the engine sent its first command right after 'ready'.
  let seen = 0;
  port.postMessage('ready');
  for (;;) {
    let sequence: number;
    while ((sequence = Atomics.load(control, ControlIndex.sequence)) === seen) Atomics.wait(control, ControlIndex.sequence, seen);
    seen = sequence;
    Atomics.store(control, ControlIndex.started, sequence);
    const operation = control[ControlIndex.operation];
    if (operation === ThreadOperation.exit) break;
    try {
      if (operation === ThreadOperation.forward) {
        kernels.forwardRows(data.layout, 0, argument(0), argument(1), 1);
        kernels.forwardRows(data.layout, 1, argument(2), argument(3), 1);
      } else if (operation === ThreadOperation.backward) {
        kernels.backwardPanels(data.layout, argument(0), argument(1), 1);
      } else {
        throw new Error(`unknown wasm thread operation ${operation}`);
      }
    } catch (error) {
      Atomics.store(control, ControlIndex.failed, 1);
      port.postMessage(`wasm thread failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    Atomics.store(control, ControlIndex.done, sequence);
    Atomics.notify(control, ControlIndex.done);
  }
}

// Runs only as the engine's worker thread (importing this module elsewhere just reads the constants).
if (!isMainThread && parentPort && isKernelThreadData(workerData)) runKernelThread(workerData, parentPort);
