// Assertions are the documentation that runs: they guard invariants that only a bug can break.
// Operating errors (bad input, full disks, lost peers) are never asserted; they are typed errors.

export class AssertionError extends Error {
  override name = 'AssertionError';
}

export function assert(condition: unknown, message = 'assertion failed'): asserts condition {
  if (!condition) throw new AssertionError(message);
}

/** Marks code that must be unreachable when the type system is right. */
export function unreachable(value: never, message = 'unreachable'): never {
  throw new AssertionError(`${message}: ${String(value)}`);
}
