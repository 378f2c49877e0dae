import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Makes sure Debian's Chromium is there for the dashboard's browser test: installs it with apt when
 * missing and this process may (root, apt-get present). Never fails the run: without Chromium the
 * browser test skips and says so. Returns the path, or undefined with the reason logged.
 */
export function ensureChromium(log: (line: string) => void): string | undefined {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (existsSync(path)) return path;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || !existsSync('/usr/bin/apt-get')) {
    log(`no Chromium at ${path} and cannot install it here (needs root and apt-get): the browser test will skip`);
    return undefined;
  }
  log('installing Debian chromium for the dashboard browser test (apt-get)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const install = update.status === 0 ? spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], { stdio: 'inherit', env }) : update;
  if (install.status !== 0 || !existsSync(path)) {
    log('apt-get could not install chromium: the browser test will skip');
    return undefined;
  }
  return path;
}
