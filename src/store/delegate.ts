/**
 * An object whose every method is looked up on `current()` at each call: the parts of a store (ledger, failure log,
 * inventory) stay the objects the app was given while the database behind them is reopened. When `current()` throws
 * (the store has no usable database), each method returns that error as a rejected promise, as the store's methods
 * report every other failure. `then` and symbols are never methods of these parts: the object is not a thenable
 * (an `await` on it would otherwise wait forever) whatever the state.
 */
export function delegate<T extends object>(current: () => T): T {
  return new Proxy(Object.create(null) as T, {
    get(_target, name) {
      if (name === 'then' || typeof name === 'symbol') return undefined;
      let target: T;
      try {
        target = current();
      } catch (err) {
        return () => Promise.reject(err);
      }
      const value: unknown = Reflect.get(target, name);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
