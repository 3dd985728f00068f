import { systemTool } from '../helpers/systemTool.js';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactUrl } from '../../drivers/mqtt/redactUrl.js';
import { Recorder, type TestBroker, startMosquitto } from '../helpers/brokers.js';
import { startCli, tempDir } from '../helpers/cli.js';

const SECRET = 'hunter2-SECRET-77';
const WRONG = 'wrong-SECRET-99';

describe('a password in the --mqtt URL is written nowhere', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startMosquitto({
      listener: (port, dir) => {
        const passwords = join(dir, 'passwords');
        execFileSync(systemTool('mosquitto_passwd'), ['-b', '-c', passwords, 'rig1', SECRET]);
        return `listener ${port} 127.0.0.1\nallow_anonymous false\npassword_file ${passwords}\n`;
      },
    });
  });
  afterAll(async () => {
    await broker.stop();
  });

  it('redactUrl hides the password and nothing else', () => {
    expect(redactUrl(`mqtt://rig1:${SECRET}@127.0.0.1:1883`)).toBe('mqtt://rig1:***@127.0.0.1:1883');
    expect(redactUrl('mqtts://u:p@ss@host:8883/x')).toBe('mqtts://u:***@host:8883/x');
    expect(redactUrl('mqtt://127.0.0.1:1883')).toBe('mqtt://127.0.0.1:1883');
    expect(redactUrl('ws://user@host:9001')).toBe('ws://user@host:9001');
  });

  it('not in stdout, stderr, the log, the summary, the trace or on the broker; nor in the rig-taken error; nor a wrong one', async () => {
    const dir = tempDir();
    const url = `mqtt://rig1:${SECRET}@127.0.0.1:${broker.port}`;
    const files = { log: join(dir, 'log.ndjson'), summary: join(dir, 'summary.json'), trace: join(dir, 'trace.ndjson') };
    const args = (rig: string, u: string, extra: string[]) => [
      'run', '--config', 'config/examples/sim-adbs.yaml', '--mqtt', u, '--set', `rig.id=${rig}`,
      '--set', 'signals.biomarker.baseline_s=1', '--set', 'policy.startupDelay_ms=1000', ...extra,
    ];
    const watcher = await Recorder.connect(broker.url, 'neuroloop/#', { username: 'rig1', password: SECRET });
    const cli = startCli(args('pw', url, ['--duration', '5', '--set', 'logging.level=info', '--set', `logging.file=${files.log}`, '--summary', files.summary, '--trace', files.trace]));
    await watcher.waitFor<{ state: string }>('/pw/status', (s) => s.state === 'online');
    // A second process on the same rig is refused with a message that names the broker: redacted.
    const second = startCli(args('pw', url, ['--duration', '2']));
    expect(await second.exited).toBe(2);
    expect(second.stderr()).toContain(`is already online on mqtt://rig1:***@127.0.0.1:${broker.port}`);
    // A wrong password: refused by the broker, the error logged, the password not.
    const wrong = startCli(args('pw-wrong', `mqtt://rig1:${WRONG}@127.0.0.1:${broker.port}`, ['--duration', '3', '--set', 'logging.level=info']));
    expect(await wrong.exited).toBe(0);
    expect(wrong.stderr()).toMatch(/telemetry (error|offline)/);
    expect(wrong.stderr()).toContain('rig1:***@');
    expect(await cli.exited).toBe(0);
    const log = readFileSync(files.log, 'utf8');
    expect(log).toContain(`mqtt://rig1:***@127.0.0.1:${broker.port}`);
    const everything = [
      cli.stdout(), cli.stderr(), second.stdout(), second.stderr(), wrong.stdout(), wrong.stderr(),
      log, readFileSync(files.summary, 'utf8'), readFileSync(files.trace, 'utf8'),
      ...watcher.messages.map((m) => m.payload.toString('utf8')),
    ].join('\n');
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(WRONG);
    await watcher.close();
  });
});
