// Flag checks shared by the bench scripts: a bad number stops the run with one line naming the flag.

/** Exits with status 2 unless every [flag, value, min] holds an integer >= min. */
export function requireIntegers(script, entries) {
  for (const [name, v, min] of entries) {
    if (!Number.isInteger(v) || v < min) {
      console.error(`${script}: ${name} must be an integer >= ${min}`);
      process.exit(2);
    }
  }
}
