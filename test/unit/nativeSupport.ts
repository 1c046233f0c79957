// What the native module's test files share: the module as loadNative finds it, the skip reason where it is not
// built (never in CI, PRECOND_LAB_CI=1, which builds it: there a missing module fails), and the module itself.
import assert from 'node:assert/strict';
import { loadNative, type NativeAddon } from '../../src/lab/native/addon';

export const loaded = loadNative();
const inCi = process.env.PRECOND_LAB_CI === '1';

/** A test's `skip` option: the reason when the module is absent outside CI, else false. */
export const skip: string | false = !loaded.addon && !inCi ? `native module not built here: ${loaded.problem}` : false;

/** The loaded module; fails the test (in CI) when it is missing. */
export function addon(): NativeAddon {
  assert.ok(loaded.addon, `native module missing in CI: ${loaded.problem}`);
  return loaded.addon;
}
