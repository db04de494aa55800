import { X509Certificate } from 'node:crypto';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiService } from '../../src-main/api/service.js';
import type { BrokerStatus } from '../../src-main/api/contract/broker.js';
import { hostAddresses, isLoopbackAddress } from '../../src-main/core/broker/bind-hosts.js';
import { canonicalIp } from '../../src-main/core/broker/lan-certificate.js';
import { listeningAddresses } from '../helpers/listening.js';
import { freePort } from '../helpers/ports.js';
import { CLI, ROOT, cli } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

/** Whether a TCP connection to address:port opens. */
function reaches(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port, timeout: 3000 });
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('error', () => resolve(false));
  });
}

const networkAddresses = () =>
  hostAddresses()
    .map((a) => a.address)
    .filter((a) => !isLoopbackAddress(a));
const hostOf = (url: string) => url.replace(/^\w+:\/\/\[?/, '').replace(/\]?:\d+$/, '');

describe('the workspace broker listens on loopback unless opened to the LAN', () => {
  const dir = tempDir('mts-bind-');
  const workspace = join(dir, 'ws');
  let service: ApiService;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    service = new ApiService({ workspaceDir: workspace, surface: 'cli' });
    await service.invoke('quickstart.run', { port });
    await service.invoke('broker.stop', {});
  }, 60_000);
  afterAll(async () => service?.dispose());

  it('by default: 127.0.0.1 and ::1 only (the kernel says so), and it prints exactly those', async () => {
    const status = (await service.invoke('broker.start', {})) as BrokerStatus;
    try {
      const kernel = listeningAddresses(port);
      expect(kernel.every((a) => a === '127.0.0.1' || a === '::1')).toBe(true);
      expect(kernel).toContain('127.0.0.1');
      const urls = status.listeners.flatMap((l) => l.urls);
      expect(urls.map(hostOf).sort()).toEqual(kernel);
      expect(status.listeners[0].url).toBe(`mqtts://127.0.0.1:${port}`);
      expect(status.network).toBe(false);
      for (const address of networkAddresses()) expect(await reaches(address, port), address).toBe(false);
      expect(await reaches('127.0.0.1', port)).toBe(true);
    } finally {
      await service.invoke('broker.stop', {});
    }
  });

  it('lanCheck names the addresses the broker certificate lacks; lan + reissue adds them and opens every interface', async () => {
    const gaps = (await service.invoke('broker.lanCheck', {})) as { name: string; missing: string[] }[];
    const network = networkAddresses();
    if (network.length > 0)
      expect(gaps).toEqual([expect.objectContaining({ name: 'broker', missing: network })]);
    const status = (await service.invoke('broker.start', { lan: true, reissue: true })) as BrokerStatus;
    try {
      expect(listeningAddresses(port)).toEqual(['::']);
      expect(status.network).toBe(true);
      const hosts = status.listeners.flatMap((l) => l.urls).map(hostOf);
      expect(hosts).toEqual(hostAddresses().map((a) => a.address));
      for (const address of hosts) expect(await reaches(address, port), address).toBe(true);
      const served = new X509Certificate(readFileSync(join(workspace, 'broker', 'server.crt')));
      const sanIps = (served.subjectAltName ?? '')
        .split(', ')
        .filter((s) => s.startsWith('IP Address:'))
        .map((s) => canonicalIp(s.slice('IP Address:'.length)));
      for (const address of network) expect(sanIps).toContain(address);
      expect(await service.invoke('broker.lanCheck', {})).toEqual([]);
    } finally {
      await service.invoke('broker.stop', {});
    }
  });

  it("the CLI: loopback by default, --lan opens it; the printed lines are the kernel's addresses", async () => {
    for (const lan of [false, true]) {
      const child = spawn(
        process.execPath,
        [CLI, 'broker', '--workspace', workspace, ...(lan ? ['--lan'] : [])],
        {
          cwd: ROOT,
        },
      );
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no listening line: ${out}${err}`)), 15_000);
        const check = setInterval(() => {
          if (/listening/.test(out)) {
            clearTimeout(timer);
            clearInterval(check);
            setTimeout(resolve, 200);
          }
        }, 50);
      });
      const kernel = listeningAddresses(port);
      child.kill('SIGTERM');
      await new Promise((resolve) => child.on('exit', resolve));
      const printed = out
        .split('\n')
        .filter((l) => l.startsWith('listening '))
        .map((l) => hostOf(l.slice('listening '.length)));
      if (lan) {
        expect(kernel).toEqual(['::']);
        expect(printed).toEqual(hostAddresses().map((a) => a.address));
        expect(err).toContain('reachable from the network');
      } else {
        expect(printed.sort()).toEqual(kernel);
        expect(err).not.toContain('reachable from the network');
      }
    }
  });

  it('--lan with --config is bad usage: the conf decides', async () => {
    const conf = join(dir, 'plain.conf');
    writeFileSync(conf, `listener ${await freePort()} 127.0.0.1\nallow_anonymous true\n`);
    const r = await cli(['broker', '--workspace', workspace, '--config', conf, '--lan']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--lan/);
  });

  it('a conf run with --config and no address binds every interface, as Mosquitto, and prints every address', async () => {
    const p = await freePort();
    const conf = join(dir, 'any.conf');
    writeFileSync(conf, `listener ${p}\nallow_anonymous true\n`);
    const status = (await service.invoke('broker.start', { config: conf })) as BrokerStatus;
    try {
      expect(listeningAddresses(p)).toEqual(['::']);
      expect(status.network).toBe(true);
      expect(status.listeners[0].urls.map(hostOf)).toEqual(hostAddresses().map((a) => a.address));
    } finally {
      await service.invoke('broker.stop', {});
    }
  });
});
