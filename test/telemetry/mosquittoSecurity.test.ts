import { systemTool } from '../helpers/systemTool.js';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Recorder, type TestBroker, makeCertificates, startMosquitto } from '../helpers/brokers.js';
import { startCli, tempDir } from '../helpers/cli.js';

const base = (url: string, rig: string, extra: string[]): string[] => [
  'run', '--config', 'config/examples/sim-adbs.yaml', '--mqtt', url, '--set', `rig.id=${rig}`,
  '--set', 'signals.biomarker.baseline_s=1', '--set', 'policy.startupDelay_ms=1000', '--set', 'logging.level=warn', ...extra,
];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const brokers: TestBroker[] = [];
afterAll(async () => {
  for (const b of brokers) await b.stop();
});

describe('mosquitto with a password file and an ACL', () => {
  it('the rig publishes and takes commands; a client without rights cannot command', async () => {
    const broker = await startMosquitto({
      listener: (port, dir) => {
        const passwords = join(dir, 'passwords');
        execFileSync(systemTool('mosquitto_passwd'), ['-b', '-c', passwords, 'rig1', 'rig-secret']);
        execFileSync(systemTool('mosquitto_passwd'), ['-b', passwords, 'operator', 'op-secret']);
        execFileSync(systemTool('mosquitto_passwd'), ['-b', passwords, 'viewer', 'view-secret']);
        const acl = join(dir, 'acl');
        writeFileSync(
          acl,
          [
            'user rig1', 'topic readwrite neuroloop/secure/#', '',
            'user operator', 'topic read neuroloop/#', 'topic write neuroloop/secure/cmd/#', '',
            'user viewer', 'topic read neuroloop/#', '',
          ].join('\n'),
        );
        return `listener ${port} 127.0.0.1\nallow_anonymous false\npassword_file ${passwords}\nacl_file ${acl}\n`;
      },
    });
    brokers.push(broker);
    // The password comes from the environment variable the config names, never the file.
    const cli = startCli(
      base(broker.url, 'secure', [
        '--duration', '8',
        '--set', 'telemetry.mqtt.username=rig1', '--set', 'telemetry.mqtt.passwordEnv=RIG_MQTT_PASSWORD',
        '--set', 'telemetry.commands.enabled=true',
      ]),
      { RIG_MQTT_PASSWORD: 'rig-secret' },
    );
    const viewer = await Recorder.connect(broker.url, 'neuroloop/secure/#', { username: 'viewer', password: 'view-secret' });
    await viewer.waitFor<{ state: string }>('/status', (s) => s.state === 'online');
    await viewer.waitFor('/features');
    // The viewer's e-stop is dropped by the broker's ACL: no ack, no e-stop.
    await viewer.client.publishAsync('neuroloop/secure/cmd/estop', JSON.stringify({ id: 'v1' }), { qos: 1 });
    await sleep(1000);
    expect(viewer.json<{ id: string }>('/cmd/ack').filter((a) => a.id === 'v1')).toEqual([]);
    expect(viewer.json<{ state: string }>('/status').some((s) => s.state === 'estop')).toBe(false);
    // The operator may command.
    const operator = await Recorder.connect(broker.url, 'neuroloop/secure/cmd/ack', { username: 'operator', password: 'op-secret' });
    await operator.client.publishAsync('neuroloop/secure/cmd/estop', JSON.stringify({ id: 'o1' }), { qos: 1 });
    expect(await operator.waitFor<{ id: string; ok: boolean }>('/cmd/ack', (a) => a.id === 'o1')).toMatchObject({ ok: true });
    await viewer.waitFor<{ state: string }>('/status', (s) => s.state === 'estop');
    // A wrong password is refused by the broker.
    await expect(Recorder.connect(broker.url, '#', { username: 'viewer', password: 'wrong', reconnectPeriod: 0 })).rejects.toThrow(/Not authorized|Bad username or password/i);
    expect(await cli.exited).toBe(0);
    await viewer.close();
    await operator.close();
  });

  it('a password environment variable that is not set is a clear error (exit 2)', async () => {
    const cli = startCli(base('mqtt://127.0.0.1:1', 'x', ['--duration', '1', '--set', 'telemetry.mqtt.username=u', '--set', 'telemetry.mqtt.passwordEnv=NEUROLOOP_UNSET_VAR']));
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toMatch(/telemetry\.mqtt\.passwordEnv: the environment variable NEUROLOOP_UNSET_VAR is not set/);
  });
});

describe('mqtts:// with a self-signed CA made by the test', () => {
  it('connects with the CA from the config and publishes', async () => {
    const certDir = tempDir('neuroloop-tls-');
    const { ca, cert, key } = makeCertificates(certDir);
    const broker = await startMosquitto({
      scheme: 'mqtts',
      listener: (port) => `listener ${port} 127.0.0.1\nallow_anonymous true\ncafile ${ca}\ncertfile ${cert}\nkeyfile ${key}\n`,
    });
    brokers.push(broker);
    const url = `mqtts://localhost:${broker.port}`;
    const cli = startCli(base(url, 'tls', ['--duration', '5', '--set', `telemetry.mqtt.ca=${ca}`]));
    const watcher = await Recorder.connect(url, 'neuroloop/tls/#', { ca: [readFileSync(ca)] });
    await watcher.waitFor<{ state: string }>('/status', (s) => s.state === 'online');
    await watcher.waitFor('/features');
    expect(await cli.exited).toBe(0);
    await watcher.close();
    // Without the CA the certificate is not trusted: nothing gets through.
    const untrusting = startCli(base(url, 'tls2', ['--duration', '3']));
    expect(await untrusting.exited).toBe(0);
    expect(untrusting.stderr()).toMatch(/self[- ]signed|unable to verify|certificate/i);
  });
});

describe('a fleet on one broker', () => {
  it('three rigs, one shared subscription ($share) receives every rig\'s frames', async () => {
    const broker = await startMosquitto();
    brokers.push(broker);
    const consumer = await Recorder.connect(broker.url, '$share/dashboards/neuroloop/+/features', { protocolVersion: 5 });
    const rigs = ['rig-a', 'rig-b', 'rig-c'];
    const clis = rigs.map((rig) => startCli(base(broker.url, rig, ['--duration', '4'])));
    for (const cli of clis) expect(await cli.exited).toBe(0);
    await sleep(300);
    const byRig = new Map<string, number>();
    for (const m of consumer.messages) {
      const rig = m.topic.split('/')[1];
      byRig.set(rig, (byRig.get(rig) ?? 0) + 1);
    }
    expect([...byRig.keys()].sort()).toEqual(rigs);
    for (const rig of rigs) expect(byRig.get(rig)).toBeGreaterThanOrEqual(30);
    await consumer.close();
  });
});
