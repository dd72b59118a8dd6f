/**
 * Events, vscode style: a private `Emitter` and a public `onDid…` property holding its `event`.
 * Pure TypeScript; an `Event<T>` here has the shape of `vscode.Event<T>`, so either can be passed
 * where the other is expected.
 */
import { toDisposable, type DisposableLike } from './lifecycle';

/** Subscribes a listener; the returned disposable unsubscribes it. */
export type Event<T> = (listener: (value: T) => unknown, thisArgs?: unknown, disposables?: DisposableLike[]) => { dispose(): void };

/** Fires values to its listeners, in subscription order. A listener's exception does not stop the others. */
export class Emitter<T> implements DisposableLike {
  private listeners: ((value: T) => unknown)[] = [];
  private disposed = false;

  /**
   * @param onListenerError Called with an exception a listener threw (default: rethrown later,
   *   outside the loop, so that one faulty listener cannot starve the others).
   */
  constructor(private readonly onListenerError: (error: unknown) => void = (error) => setTimeout(() => { throw error; })) {}

  readonly event: Event<T> = (listener, thisArgs, disposables) => {
    const bound = thisArgs === undefined ? listener : listener.bind(thisArgs);
    if (this.disposed) return toDisposable(() => undefined);
    this.listeners.push(bound);
    const subscription = toDisposable(() => {
      this.listeners = this.listeners.filter((candidate) => candidate !== bound);
    });
    disposables?.push(subscription);
    return subscription;
  };

  fire(value: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }

  get hasListeners(): boolean {
    return this.listeners.length > 0;
  }

  dispose(): void {
    this.disposed = true;
    this.listeners = [];
  }
}
