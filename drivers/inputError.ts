/**
 * Bad input from the user (a file, an argument): the command exits with code 2 and this
 * message, which names the place (file, line, column, argument) and what was expected.
 */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}
