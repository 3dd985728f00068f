/**
 * A chip on the emulated I2C bus (sim/emulatedI2cBus.ts). The bus calls these with the
 * exact bytes of each transfer, as the chip would see them on the wire; a chip that does
 * not like a transfer throws an Error with `code` (e.g. `EIO`), which the bus passes on.
 */
export interface EmulatedI2cDevice {
  /** 7-bit address the chip answers to. */
  readonly address: number;
  /** A write transfer: the bytes after the address byte. */
  write(bytes: Uint8Array): void;
  /** A read transfer of `length` bytes. */
  read(length: number): Uint8Array;
  /** The general-call reset (0x06 to address 0x00), if the chip honours it. */
  generalCallReset?(): void;
  /** The general-call wake-up (0x09 to address 0x00), if the chip honours it. */
  generalCallWakeUp?(): void;
}
