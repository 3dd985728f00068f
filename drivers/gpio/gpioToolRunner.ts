import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A long-running tool (gpioset holding a line, gpiomon reporting edges). */
export interface ToolProcess {
  readonly argv: readonly string[];
  /** Each line the tool prints on stdout. */
  onLine(listener: (line: string) => void): void;
  /** Resolves with the exit code (null: ended by a signal) once the process has ended. */
  readonly exited: Promise<number | null>;
  /** What the tool said on stderr so far (for error messages). */
  stderr(): string;
  /** SIGTERM, then waits for the end. */
  stop(): Promise<void>;
}

/** Runs the libgpiod command-line tools; injectable so tests can put fake tools first in PATH. */
export interface GpioToolRunner {
  run(argv: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }>;
  start(argv: readonly string[]): ToolProcess;
}

/** Tools as child processes (no shell: argv goes to the tool as it is). `env` lets tests change PATH. */
export function processToolRunner(env: NodeJS.ProcessEnv = process.env): GpioToolRunner {
  return {
    run(argv) {
      return new Promise((resolve) => {
        const child = spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
        child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
        child.on('error', (error) => resolve({ code: -1, stdout, stderr: stderr + error.message }));
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      });
    },
    start(argv) {
      const child = spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
      const exited = new Promise<number | null>((resolve) => {
        child.on('error', (error) => {
          stderr += error.message;
          resolve(-1);
        });
        // 'exit', not 'close': a grandchild still holding stdout must not keep stop() waiting.
        child.on('exit', (code) => resolve(code));
      });
      const lines = createInterface({ input: child.stdout });
      return {
        argv,
        onLine: (listener) => void lines.on('line', listener),
        exited,
        stderr: () => stderr.trim(),
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
        },
      };
    },
  };
}
