/**
 * Disposables, vscode style (microsoft/vscode src/vs/base/common/lifecycle.ts): everything that
 * subscribes, watches, registers or spawns is owned by something that disposes it. Pure TypeScript
 * and structurally compatible with `vscode.Disposable`, so the run manager and the worker processes
 * can be used and tested without VS Code.
 */

/** Anything that can be disposed: a `vscode.Disposable`, a subscription, a worker. */
export interface DisposableLike {
  dispose(): unknown;
}

/** Wraps a function as a disposable that runs it once. */
export function toDisposable(dispose: () => void): DisposableLike & { dispose(): void } {
  let disposed = false;
  return {
    dispose: () => {
      if (disposed) return;
      disposed = true;
      dispose();
    },
  };
}

/**
 * Disposes every value, in reverse order of registration (the last thing built is the first torn
 * down), and throws the first error after having tried all of them.
 */
export function disposeAll(values: Iterable<DisposableLike>): void {
  let firstError: unknown;
  for (const value of [...values].reverse()) {
    try {
      value.dispose();
    } catch (error) {
      firstError ??= error;
    }
  }
  if (firstError !== undefined) throw firstError;
}

/** A set of disposables disposed together; adding to a disposed store disposes the value at once. */
export class DisposableStore implements DisposableLike {
  private readonly values = new Set<DisposableLike>();
  private disposed = false;

  get isDisposed(): boolean {
    return this.disposed;
  }

  add<T extends DisposableLike>(value: T): T {
    if (this.disposed) value.dispose();
    else this.values.add(value);
    return value;
  }

  /** Removes a value without disposing it (its owner changed, or it was disposed elsewhere). */
  delete(value: DisposableLike): void {
    this.values.delete(value);
  }

  /** Disposes everything added so far and stays usable. */
  clear(): void {
    const values = [...this.values];
    this.values.clear();
    disposeAll(values);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.clear();
  }
}

/** Base class of objects that own disposables: `this._register(x)` ties x's life to this object's. */
export abstract class Disposable implements DisposableLike {
  private readonly _store = new DisposableStore();

  protected get isDisposed(): boolean {
    return this._store.isDisposed;
  }

  protected _register<T extends DisposableLike>(value: T): T {
    if ((value as unknown) === this) throw new Error('Cannot register a disposable on itself.');
    return this._store.add(value);
  }

  dispose(): void {
    this._store.dispose();
  }
}
