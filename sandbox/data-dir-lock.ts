/**
 * One sandbox per data dir: `<dataDir>/sandbox.pid` holds the pid of the sandbox using it. Two sandboxes on
 * one data dir would share LevelDB folders, keys and the manifest; the second is stopped before it opens any.
 */
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export class DataDirInUse extends Error {
  override readonly name = 'DataDirInUse';
  constructor(dataDir: string, pid: number) {
    super(
      `The data dir ${dataDir} is in use by another sandbox (pid ${pid}): stop that one, or set BANKGATE_DATA_DIR to another folder.`,
    );
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Claims `dataDir` for this process (a lock left by a process that is gone is taken over); returns the release. */
export function claimDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const lock = join(dataDir, 'sandbox.pid');
  for (;;) {
    try {
      // 'wx' creates the file only if it does not exist: of two sandboxes starting together, one wins.
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSync(lock, 'utf8'));
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
        throw new DataDirInUse(dataDir, owner);
      }
      unlinkSync(lock);
    }
  }
  return () => {
    try {
      if (readFileSync(lock, 'utf8') === String(process.pid)) unlinkSync(lock);
    } catch {
      // Already gone (npm run reset while running): nothing to release.
    }
  };
}
