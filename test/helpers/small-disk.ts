// A real, small filesystem mounted for one test, to fill or turn read-only under a running relay. Root ignores file
// modes, so only a mount makes "full" and "read-only" the real thing: tmpfs for a full disk (space freed by a delete
// is free at once), a loop-mounted ext4 for read-only (the kernel remounts it read-only on an error, as on a failing
// volume; a plain remount is refused while the relay holds its files open).
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { TestContext } from 'node:test';

export interface SmallDisk {
  /** The mount point: the relay's DATA_DIR. */
  dir: string;
  /** Writes a filler file until the filesystem refuses (ENOSPC). */
  fill(): void;
  /** Deletes the filler: the space is free again. */
  free(): void;
  /** Remounts it read-only or writable: refused (EBUSY) while a file on it is open for writing. */
  remount(mode: 'ro' | 'rw'): void;
}

export interface Ext4Disk extends SmallDisk {
  /** An ext4 error: the kernel remounts the filesystem read-only (errors=remount-ro), open files included. */
  failReadOnly(): void;
}

/** A work directory removed when the test ends, after whatever is mounted in it is unmounted. */
function workDir(t: TestContext, name: string): { work: string; mounted: string[] } {
  const work = mkdtempSync(join(tmpdir(), `plus-relay-${name}-`));
  const mounted: string[] = [];
  t.after(() => {
    // Lazy: the relay's store may still hold its files when the test ends.
    for (const dir of mounted) execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
    rmSync(work, { recursive: true, force: true });
  });
  return { work, mounted };
}

function mount(args: string[], dir: string, mounted: string[]): string | null {
  try {
    execFileSync('mount', [...args, dir], { stdio: 'pipe' });
  } catch (err) {
    return `this machine refuses mounts (${err instanceof Error ? err.message.split('\n')[0] : String(err)}): run the test as root`;
  }
  mounted.push(dir);
  return null;
}

function filler(dir: string): Omit<SmallDisk, 'dir'> {
  const file = join(dir, 'filler');
  return {
    remount: (mode) => execFileSync('mount', ['-o', `remount,${mode}`, dir], { stdio: 'pipe' }),
    fill() {
      const fd = openSync(file, 'a');
      const block = Buffer.alloc(64 * 1024);
      try {
        for (;;) writeSync(fd, block);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      } finally {
        closeSync(fd);
      }
    },
    free: () => rmSync(file, { force: true }),
  };
}

/** A tmpfs of `sizeMb`; a string (why) when this machine cannot mount. */
export function smallTmpfs(t: TestContext, sizeMb = 16): SmallDisk | string {
  const { work, mounted } = workDir(t, 'tmpfs');
  return mount(['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs'], work, mounted) ?? { dir: work, ...filler(work) };
}

/** An ext4 image of `sizeMb` on a loop device; a string (why) when this machine cannot mount it. */
export function smallExt4(t: TestContext, sizeMb = 16): Ext4Disk | string {
  const { work, mounted } = workDir(t, 'ext4');
  const image = join(work, 'disk.img');
  const dir = join(work, 'mnt');
  mkdirSync(dir);
  try {
    execFileSync('truncate', ['-s', `${sizeMb}M`, image]);
    // No blocks reserved for root: the test runs as root, the relay in production does not.
    execFileSync('mkfs.ext4', ['-q', '-m', '0', image], { stdio: 'pipe' });
  } catch (err) {
    return `cannot make an ext4 image (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`;
  }
  const refused = mount(['-o', 'loop,errors=remount-ro', image], dir, mounted);
  if (refused) return refused;
  const device = basename(execFileSync('findmnt', ['-n', '-o', 'SOURCE', dir]).toString().trim());
  return {
    dir,
    ...filler(dir),
    failReadOnly: () => writeFileSync(`/sys/fs/ext4/${device}/trigger_fs_error`, 'plus-relay test: a failing volume\n'),
  };
}
