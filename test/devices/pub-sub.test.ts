import { cpSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { argv, cli, run } from '../helpers/run.js';
import { freePort } from '../helpers/ports.js';
import { sharedTempDir } from '../helpers/tmp.js';
import { readableByMosquitto, startMosquitto, type RunningMosquitto } from '../helpers/mosquitto.js';
import { opensslOk } from '../helpers/openssl.js';
import { spawnCli, type RunningCli } from './cli-process.js';

/**
 * `pub` and `sub` (CLI.md, "Devices") against Debian's Mosquitto and our broker running the same
 * conf: quick start's mTLS listener (CN as username, ACL devices/%u/#) plus a password listener.
 * Our broker is `mqtt-tls-studio broker` in its own process; pub/sub find it through the workspace.
 */
const dir = sharedTempDir('mts-devices-');
const ws = join(dir, 'ws');
const files = join(dir, 'files');
const mosquittoDir = join(dir, 'mosquitto');
const ports = { ours: 0, oursPw: 0, mosq: 0, mosqPw: 0 };
let ours: RunningCli;
let mosquitto: RunningMosquitto;

const w = ['--workspace', ws];

beforeAll(async () => {
  for (const key of Object.keys(ports) as Array<keyof typeof ports>) ports[key] = await freePort();
  const made = await cli(['quickstart', ...w, '--port', String(ports.ours)], { timeoutMs: 30_000 });
  expect(made.code, made.stderr).toBe(0);
  // the same conf on both brokers, plus a password listener (password_file is global here)
  await run('mosquitto_passwd', ['-b', '-c', join(ws, 'broker', 'passwd'), 'alice', 'right-password']);
  appendFileSync(
    join(ws, 'broker', 'mosquitto.conf'),
    `\npassword_file passwd\n\nlistener ${ports.oursPw} 127.0.0.1\nprotocol mqtt\n`,
  );
  const exported = await cli(['cert', 'export', 'device-1', '--out', files, ...w]);
  expect(exported.code, exported.stderr).toBe(0);
  writeFileSync(join(files, 'pass.txt'), 'a passphrase\n');
  writeFileSync(join(files, 'password.txt'), 'right-password\n');
  writeFileSync(join(files, 'wrong.txt'), 'wrong-password\n');
  const p12 = await cli(
    argv`cert export device-1 --out ${files} --format p12 ${w} --passphrase-file ${join(files, 'pass.txt')}`,
  );
  expect(p12.code, p12.stderr).toBe(0);
  await opensslOk(
    argv`pkcs8 -topk8 -v2 aes-256-cbc -in ${join(files, 'device-1.key')} -out ${join(files, 'device-1.enc.key')} -passout ${'pass:a passphrase'}`,
  );
  // a client certificate from a CA the brokers do not know
  await opensslOk(
    argv`req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=rogue -days 2 -keyout ${join(files, 'rogue.key')} -out ${join(files, 'rogue.crt')}`,
  );

  cpSync(join(ws, 'broker'), mosquittoDir, { recursive: true });
  readableByMosquitto(mosquittoDir);
  const conf = readFileSync(join(ws, 'broker', 'mosquitto.conf'), 'utf8')
    .replace(`listener ${ports.ours}`, `listener ${ports.mosq}`)
    .replace(`listener ${ports.oursPw}`, `listener ${ports.mosqPw}`);
  mosquitto = await startMosquitto(mosquittoDir, `${conf}\nlog_dest stderr\n`, ports.mosq, {
    cwd: mosquittoDir,
  });

  ours = spawnCli(['broker', ...w], { timeoutMs: 600_000 });
  await ours.waitFor(/listening mqtts:/);
}, 90_000);

afterAll(async () => {
  await ours?.stop();
  await mosquitto?.stop();
});

/** Each case runs on both: ours (the workspace broker, found by pub/sub themselves) and Mosquitto. */
const targets = [
  {
    name: 'our broker',
    args: () => [] as string[],
    pw: () => ['-h', '127.0.0.1', '-p', String(ports.oursPw)],
  },
  {
    name: 'Mosquitto',
    args: () => ['-h', 'localhost', '-p', String(ports.mosq)],
    pw: () => ['-h', '127.0.0.1', '-p', String(ports.mosqPw)],
  },
];

/** Start a subscriber and wait until its subscription is granted (`--debug` says so). */
async function subscriber(args: string[]): Promise<RunningCli> {
  const sub = spawnCli(['sub', ...w, '--debug', ...args]);
  await sub.waitFor(/subscribed to .*: granted|error:/);
  return sub;
}

describe.each(targets)('pub and sub against $name', (target) => {
  it('a retained message round trip as a workspace identity (--as), read back as JSON', async () => {
    const topic = `devices/device-1/retained-${target.name.length}`;
    const pub = await cli(argv`pub ${w} ${target.args()} --as device-1 -t ${topic} -m kept -q 1 -r`);
    expect(pub.code, pub.stderr).toBe(0);
    const sub = await cli(argv`sub ${w} ${target.args()} --as device-1 -t ${topic} -q 1 -C 1 -W 10 --json`);
    expect(sub.code, sub.stderr).toBe(0);
    expect(JSON.parse(sub.stdout)).toEqual({
      topic,
      qos: 1,
      retain: true,
      properties: {},
      payload: 'kept',
      payloadEncoding: 'utf8',
    });
    // --retained-only stops at the first live message; an empty retained publish clears it
    const clear = await cli(argv`pub ${w} ${target.args()} --as device-1 -t ${topic} -m ${''} -r -q 1`);
    expect(clear.code, clear.stderr).toBe(0);
    const none = await cli(argv`sub ${w} ${target.args()} --as device-1 -t ${topic} --retained-only -W 1`);
    expect([none.code, none.stdout]).toEqual([0, '']);
  });

  it('MQTT 5 properties cross intact, and stdin line mode sends one message a line', async () => {
    const topic = 'devices/device-1/props';
    const sub = await subscriber(
      argv`${target.args()} --as device-1 -t devices/device-1/# -q 1 -C 4 -W 20 --json`,
    );
    const pub = await cli(
      argv`pub ${w} ${target.args()} --as device-1 -t ${topic} -m ${'{"temp":21.5}'} -q 1 --user-property site=lab --user-property unit=C --content-type application/json --response-topic devices/device-1/reply --correlation-data req-7 --message-expiry 300`,
    );
    expect(pub.code, pub.stderr).toBe(0);
    const lines = await cli(
      ['pub', ...w, ...target.args(), '--as', 'device-1', '-t', 'devices/device-1/lines', '-l', '-q', '1'],
      {
        input: 'one\ntwo\r\nthree\n',
      },
    );
    expect(lines.code, lines.stderr).toBe(0);
    expect(await sub.exited).toBe(0);
    const got = sub
      .stdout()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(got[0]).toMatchObject({ topic, qos: 1, retain: false, payload: '{"temp":21.5}' });
    expect(got[0]!.properties).toMatchObject({
      contentType: 'application/json',
      responseTopic: 'devices/device-1/reply',
      correlationData: Buffer.from('req-7').toString('hex'),
      userProperties: { site: 'lab', unit: 'C' },
    });
    expect(
      (got[0]!.properties as { messageExpiryInterval: number }).messageExpiryInterval,
    ).toBeLessThanOrEqual(300);
    expect(got.slice(1).map((m) => m.payload)).toEqual(['one', 'two', 'three']);
  });

  it('MQTT 3.1.1 both ways; binary payloads come out as base64', async () => {
    const bytes = Buffer.from([0, 1, 2, 0xff, 0xfe]);
    writeFileSync(join(files, 'blob.bin'), bytes);
    const sub = await subscriber(
      argv`${target.args()} --as device-1 -t devices/device-1/blob -C 1 -W 20 --json -V 3.1.1`,
    );
    const pub = await cli(
      argv`pub ${w} ${target.args()} --as device-1 -t devices/device-1/blob --file ${join(files, 'blob.bin')} -V 3.1.1`,
    );
    expect(pub.code, pub.stderr).toBe(0);
    expect(await sub.exited).toBe(0);
    expect(JSON.parse(sub.stdout())).toMatchObject({
      payload: bytes.toString('base64'),
      payloadEncoding: 'base64',
    });
  });

  it('certificate files with an encrypted key, and PKCS#12, connect; a wrong passphrase names the option', async () => {
    const enc = await cli(
      argv`pub ${w} ${target.args()} --ca ${join(files, 'ca.crt')} --cert ${join(files, 'device-1.chain.crt')} --key ${join(files, 'device-1.enc.key')} --passphrase-file ${join(files, 'pass.txt')} -t devices/device-1/enc -m x -q 1`,
    );
    expect(enc.code, enc.stderr).toBe(0);
    const p12 = await cli(
      argv`pub ${w} ${target.args()} --ca ${join(files, 'ca.crt')} --p12 ${join(files, 'device-1.p12')} --passphrase-file ${join(files, 'pass.txt')} -t devices/device-1/p12 -m x -q 1`,
    );
    expect(p12.code, p12.stderr).toBe(0);
    const wrong = await cli(
      argv`pub ${w} ${target.args()} --ca ${join(files, 'ca.crt')} --p12 ${join(files, 'device-1.p12')} --passphrase-file ${join(files, 'wrong.txt')} -t a -m x`,
    );
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^error: --passphrase-file: .*passphrase/);
    expect(wrong.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a password user connects; a wrong password is refused and explained', async () => {
    const ok = await cli(
      argv`pub ${w} ${target.pw()} -u alice --password-file ${join(files, 'password.txt')} -t devices/alice/x -m x -q 1`,
    );
    expect(ok.code, ok.stderr).toBe(0);
    const bad = await cli(
      argv`pub ${w} ${target.pw()} -u alice --password-file ${join(files, 'wrong.txt')} -t devices/alice/x -m x`,
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: MQTT_\w+: .*(password|not authorized)/i);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('no client certificate, and one from an unknown CA, are refused with the problem code', async () => {
    const none = await cli(
      argv`pub ${w} ${target.args()} --ca ${join(files, 'ca.crt')} -t devices/device-1/x -m x -q 1`,
    );
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^error: (CLIENT_CERT_REQUIRED|MQTT_NOT_AUTHORIZED): .*client certificate/);
    const rogue = await cli(
      argv`pub ${w} ${target.args()} --ca ${join(files, 'ca.crt')} --cert ${join(files, 'rogue.crt')} --key ${join(files, 'rogue.key')} -t devices/rogue/x -m x -q 1`,
    );
    expect(rogue.code).toBe(1);
    expect(rogue.stderr).toMatch(/^error: (CLIENT_CERT_REJECTED|MQTT_NOT_AUTHORIZED): /);
    for (const r of [none, rogue]) expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('-W ends a quiet subscription (exit 0), and -C not reached by then exits 1', async () => {
    const quiet = await cli(argv`sub ${w} ${target.args()} --as device-1 -t devices/device-1/quiet -W 1`);
    expect([quiet.code, quiet.stdout]).toEqual([0, '']);
    const short = await cli(
      argv`sub ${w} ${target.args()} --as device-1 -t devices/device-1/quiet -C 2 -W 1`,
    );
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/^error: TIMEOUT: 0 of 2 messages within 1 s/);
  });
});

describe('pub and sub with Mosquitto as the judge', () => {
  it('our MQTT 5 properties as mosquitto_sub -V mqttv5 -F prints them', async () => {
    const args = [
      '-h',
      'localhost',
      '-p',
      String(ports.mosq),
      '--cafile',
      join(files, 'ca.crt'),
      '--cert',
      join(files, 'device-1.crt'),
      '--key',
      join(files, 'device-1.key'),
    ];
    const judge = run(
      'mosquitto_sub',
      [
        ...args,
        '-V',
        'mqttv5',
        '-t',
        'devices/device-1/judge',
        '-C',
        '1',
        '-W',
        '20',
        '-F',
        '%t|%p|%C|%R|%D|%P|%q',
      ],
      { timeoutMs: 25_000 },
    );
    // mosquitto_sub prints nothing when subscribed: publish until it has its message
    let result: Awaited<typeof judge> | undefined;
    void judge.then((r) => (result = r));
    for (let i = 0; i < 40 && !result; i++) {
      const pub = await cli(
        argv`pub ${w} -h localhost -p ${String(ports.mosq)} --as device-1 -t devices/device-1/judge -m hello -q 1 --content-type text/plain --response-topic r/t --correlation-data c-1 --user-property k=v`,
      );
      expect(pub.code, pub.stderr).toBe(0);
      await new Promise((r) => setTimeout(r, 200));
    }
    const done = await judge;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout.trim()).toBe('devices/device-1/judge|hello|text/plain|r/t|c-1|k:v|0');
  });

  it('sub -F prints byte for byte what mosquitto_sub -F prints (fields, widths, escapes); bad formats exit 2', async () => {
    const topic = 'devices/device-1/format';
    const pub = await cli(
      argv`pub ${w} -h localhost -p ${String(ports.mosq)} --as device-1 -t ${topic} -m ${'héllo wörld'} -q 1 -r --content-type text/plain --response-topic r/t --correlation-data c-1 --user-property k=v --user-property k2=v2`,
    );
    expect(pub.code, pub.stderr).toBe(0);
    const format =
      '[%t|%p|%x|%X|%l|%q|%r|%C|%R|%D|%P|%F|%-30t|%30t|%%|\\t|%08l|%5q|%-5r|%08p|%.3p|%10x|%3x|%S|%A|%6E|%06A|%.2t|%-020p|%020p|%4.1C|%-6l|@@]\\n\\a';
    const target = argv`-h localhost -p ${String(ports.mosq)}`;
    const judge = await run(
      'mosquitto_sub',
      argv`${target} --cafile ${join(files, 'ca.crt')} --cert ${join(files, 'device-1.crt')} --key ${join(files, 'device-1.key')} -V mqttv5 -t ${topic} -C 1 -W 10 -F ${format}`,
      { timeoutMs: 15_000 },
    );
    expect(judge.code, judge.stderr).toBe(0);
    const ours = await cli(argv`sub ${w} ${target} --as device-1 -t ${topic} -C 1 -W 10 -F ${format}`);
    expect(ours.code, ours.stderr).toBe(0);
    expect(ours.stdout).toBe(judge.stdout);
    expect(ours.stdout).toContain('|k:v k2:v2|');

    const time = await cli(
      argv`sub ${w} ${target} --as device-1 -t ${topic} -C 1 -W 10 -F ${'%U|%I|@Y-@m-@dT@H:@M:@S@z @N'}`,
    );
    expect(time.stdout).toMatch(
      /^\d{10}\.\d{9}\|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}\|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} \d{9}\n$/,
    );
    await cli(
      argv`pub ${w} -h localhost -p ${String(ports.mosq)} --as device-1 -t ${topic} -m ${''} -q 1 -r`,
    );

    for (const bad of ['x%Zy', 'end%', 'a\\qb', '%j']) {
      if (bad !== '%j') {
        // mosquitto_sub refuses these before connecting too
        const judged = await run('mosquitto_sub', argv`-t a -F ${bad}`);
        expect(judged.stderr, bad).toMatch(/Invalid|Incomplete/);
      }
      const r = await cli(argv`sub ${w} --as device-1 -t a -F ${bad}`);
      expect(r.code, bad).toBe(2);
      expect(r.stderr, bad).toMatch(/-F: (invalid|incomplete|%j is not supported)/);
    }
  });

  it('a publish the ACL refuses: MQTT 5 QoS 1 gets PUBACK 0x87 from Mosquitto and pub exits 1', async () => {
    const refused = await cli(
      argv`pub ${w} -h localhost -p ${String(ports.mosq)} --as device-2 -t devices/device-1/cmd -m x -q 1`,
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^error: MQTT_NOT_AUTHORIZED: the broker refused the publish to devices\/device-1\/cmd/,
    );
  });

  it('bad usage exits 2 with the usage line', async () => {
    for (const args of [
      ['pub', ...w, '-t', 'a'],
      ['pub', ...w, '-t', 'a', '-m', 'x', '-q', '3'],
      ['pub', ...w, '-t', 'a', '-m', 'x', '-V', '3.1.1', '--content-type', 't'],
      ['sub', ...w, '--as', 'device-1'],
      ['pub', ...w, '--url', 'mqtts://localhost:1', '-h', 'x', '-t', 'a', '-m', 'x'],
    ]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/usage: mqtt-tls-studio (pub|sub)/);
    }
    const unknown = await cli(['pub', ...w, '--as', 'nobody', '-t', 'a', '-m', 'x']);
    expect([unknown.code, unknown.stderr.trim()]).toEqual([
      1,
      'error: --as: no certificate named "nobody" in the workspace',
    ]);
  });
});

describe('bench', () => {
  it.each(targets)(
    'a fleet with certificates issued on the fly connects, publishes and reads back on $name',
    async (target) => {
      const r = await cli(
        [
          'bench',
          ...w,
          ...target.args(),
          '--ca',
          'intermediate-ca',
          '--clients',
          '20',
          '--connect-rate',
          '100',
          '--publish-rate',
          '100',
          '--duration',
          '2',
          '--qos',
          '1',
          '--json',
        ],
        { timeoutMs: 60_000 },
      );
      expect(r.code, r.stderr + r.stdout).toBe(0);
      const report = JSON.parse(r.stdout) as Record<string, unknown> & { latencyMs: { p50: number } };
      expect(report).toMatchObject({
        clients: 20,
        connected: 20,
        failed: 0,
        lost: 0,
        refusals: [],
        dropped: 0,
      });
      expect(report.sent).toBeGreaterThan(0);
      expect(report.received).toBe(report.sent);
      expect(report.acknowledged).toBe(report.sent);
      expect(report.latencyMs.p50).toBeGreaterThan(0);
      // the throwaway identities never reach the user's workspace
      const list = await cli(['cert', 'list', ...w, '--json']);
      expect(list.stdout).not.toMatch(/bench-/);
    },
    70_000,
  );

  it('failures are counted with their reason, and exit 1', async () => {
    const r = await cli(
      [
        'bench',
        ...w,
        ...targets[1]!.pw(),
        '--clients',
        '5',
        '--connect-rate',
        '50',
        '--publish-rate',
        '0',
        '--duration',
        '1',
      ],
      { timeoutMs: 60_000 },
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/connections {4}0 ok, 5 failed \(5× CONNACK 135 \(Not authorized\)\)/);
    const bad = await cli(['bench', ...w, '--clients', '0']);
    expect(bad.code).toBe(2);
  }, 70_000);
});
