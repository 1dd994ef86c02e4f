/**
 * The default of an exhaustive switch: the compiler rejects the call while a case is missing,
 * and a value no case names (a record written by another version) fails loudly at run time.
 */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}
