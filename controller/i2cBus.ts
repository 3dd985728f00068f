/**
 * The narrow I2C bus the chip drivers use: the subset of `i2c-bus`'s promisified bus
 * (`PromisifiedBus`) that plain I2C transfers need, so the real bus and the emulated one
 * (sim/) are interchangeable.
 *
 * Only raw transfers: the ADS1x15 and the MCP4725 send registers most significant byte
 * first, while SMBus word calls (`readWord`/`writeWord`) are little-endian. Keeping them out
 * of the port keeps a byte-order bug from being written at all.
 *
 * A transfer that fails rejects with an Error carrying a Node-style `code` (`EIO`,
 * `ENXIO` no device answered, `ETIMEDOUT`, `ENOENT`/`EACCES` on opening).
 */
export interface I2cBusPort {
  i2cWrite(address: number, length: number, buffer: Buffer): Promise<{ bytesWritten: number; buffer: Buffer }>;
  i2cRead(address: number, length: number, buffer: Buffer): Promise<{ bytesRead: number; buffer: Buffer }>;
  close(): Promise<void>;
}

/** The I2C general-call address; a write of GENERAL_CALL_RESET to it resets every device that listens. */
export const GENERAL_CALL_ADDRESS = 0x00;
/** General-call reset command (I2C specification; ADS1115 and MCP4725 datasheets). */
export const GENERAL_CALL_RESET = 0x06;
/** General-call wake-up command (I2C specification; MCP4725: clears the power-down bits). */
export const GENERAL_CALL_WAKE_UP = 0x09;
