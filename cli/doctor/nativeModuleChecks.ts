import { NATIVE_MODULE_HINT } from '../../drivers/nativeModule.js';
import { type Check, failOrWarn, ok } from './doctorCheck.js';

export interface NativeModules {
  readonly i2cBus: boolean;
  readonly onoff: boolean;
}

/**
 * Imports the optional native modules as drivers/nativeModule.ts does (an import runs the
 * addon's binding, so a module that is installed but did not build fails here too).
 * `need` says which ones the checked setup cannot do without: those fail, the others warn.
 */
export async function checkNativeModules(need: { readonly i2cBus: boolean; readonly onoff: boolean }): Promise<{ checks: Check[]; loaded: NativeModules }> {
  const checks: Check[] = [];
  const loaded = { i2cBus: false, onoff: false };
  for (const [name, key] of [['i2c-bus', 'i2cBus'], ['onoff', 'onoff']] as const) {
    try {
      await import(name);
      loaded[key] = true;
      checks.push(ok('mod', `${name} loads`));
    } catch (error) {
      const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
      checks.push(failOrWarn(need[key], 'mod', `${name} is not installed or did not build (${why})`, NATIVE_MODULE_HINT));
    }
  }
  return { checks, loaded };
}
