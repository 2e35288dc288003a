// A real, small filesystem mounted for one test, to fill or turn read-only under a running relay. Root ignores file
// modes, so only a mount makes "full" and "read-only" the real thing: tmpfs for a full disk (space freed by a delete
// is free at once), a loop-mounted ext4 for read-only (the kernel remounts it read-only on an error, as on a failing
// volume; a plain remount is refused while the relay holds its files open). Mounting takes root: the test's own, or
// passwordless sudo (CI runners). Without either the test is skipped with a message locally, and fails in CI
// (CI=true), like helpers/redis.ts.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { TestContext } from 'node:test';

export interface SmallDisk {
  /** The mount point, owned by the test's user: the relay's DATA_DIR. */
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

const uid = process.getuid?.() ?? 0;
const gid = process.getgid?.() ?? 0;

/** Runs a command as root: directly when the test is root, else through passwordless sudo. */
function asRoot(command: string, args: readonly string[]): string {
  const [file, argv] = uid === 0 ? [command, args] : ['sudo', ['-n', command, ...args]];
  return execFileSync(file, argv, { stdio: 'pipe' }).toString();
}

/** A work directory removed when the test ends, after whatever is mounted in it is unmounted. */
function workDir(t: TestContext, name: string): { work: string; mounted: string[] } {
  const work = mkdtempSync(join(tmpdir(), `plus-relay-${name}-`));
  const mounted: string[] = [];
  t.after(() => {
    // Lazy: the relay's store may still hold its files when the test ends.
    for (const dir of mounted) asRoot('umount', ['-l', dir]);
    rmSync(work, { recursive: true, force: true });
  });
  return { work, mounted };
}

/** Why this machine cannot give the test its disk; in CI, where these tests must run, it throws instead. */
function cannot(what: string, err: unknown): string {
  const why = `cannot ${what} (${err instanceof Error ? err.message.split('\n')[0] : String(err)}): run the test as root or with passwordless sudo`;
  if (process.env.CI === 'true') throw new Error(`${why} — in CI the disk tests must run`);
  return why;
}

/** Null once mounted; else why not. */
function mount(args: string[], dir: string, mounted: string[]): string | null {
  try {
    asRoot('mount', [...args, dir]);
  } catch (err) {
    return cannot('mount a small filesystem', err);
  }
  mounted.push(dir);
  return null;
}

function filler(dir: string): Omit<SmallDisk, 'dir'> {
  const file = join(dir, 'filler');
  return {
    remount: (mode) => void asRoot('mount', ['-o', `remount,${mode}`, dir]),
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
  return mount(['-t', 'tmpfs', '-o', `size=${sizeMb}m,uid=${uid},gid=${gid}`, 'tmpfs'], work, mounted) ?? { dir: work, ...filler(work) };
}

/** An ext4 image of `sizeMb` on a loop device; a string (why) when this machine cannot mount it. */
export function smallExt4(t: TestContext, sizeMb = 16): Ext4Disk | string {
  const { work, mounted } = workDir(t, 'ext4');
  const image = join(work, 'disk.img');
  const dir = join(work, 'mnt');
  mkdirSync(dir);
  try {
    execFileSync('truncate', ['-s', `${sizeMb}M`, image]);
    // No blocks reserved for root: the space is the relay's, as in production where it does not run as root.
    asRoot('mkfs.ext4', ['-q', '-m', '0', image]);
  } catch (err) {
    return cannot('make an ext4 image', err);
  }
  const refused = mount(['-o', 'loop,errors=remount-ro', image], dir, mounted);
  if (refused) return refused;
  asRoot('chown', [`${uid}:${gid}`, dir]);
  const device = basename(execFileSync('findmnt', ['-n', '-o', 'SOURCE', dir]).toString().trim());
  return {
    dir,
    ...filler(dir),
    failReadOnly: () => void asRoot('sh', ['-c', `echo 'plus-relay test: a failing volume' > /sys/fs/ext4/${device}/trigger_fs_error`]),
  };
}
