import { InputError } from './inputError.js';

/**
 * The native addons neuroloop uses on a Pi (`i2c-bus`, `onoff`) are optional dependencies:
 * `npm install` goes on without them where there is no compiler. They are loaded only when
 * configured hardware needs them, and a missing one is an error that says how to get it.
 */
export const NATIVE_MODULE_HINT = 'they build from source with node-gyp: sudo apt-get install -y python3 make g++ && npm install';

export async function loadNativeModule<T>(name: 'i2c-bus' | 'onoff', neededFor: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new InputError(`${neededFor} needs the optional module "${name}", which is not installed or did not build (${why}); ${NATIVE_MODULE_HINT}`);
  }
}
