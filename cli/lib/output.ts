/**
 * How `npm run plan` writes its output without ever destroying what it does not own:
 *
 * - the stack name is a name, never a path ({@link stackNameProblem}), so the target is always the direct
 *   child `<out>/<stack>` of `--out`;
 * - `--out` must be a directory (or not exist yet); anything else is refused before anything is written;
 * - one run at a time per target: a lock file `<out>/.<stack>.lock` (created exclusively, holding the
 *   run's pid) makes a concurrent run fail clearly; a lock left by a process that no longer runs is taken over;
 * - everything is written to a fresh temporary directory beside the target (`<out>/.<stack>.tmp-*`) and
 *   renamed into place, so a failed run leaves the previous output as it was and a reader never sees a mix.
 */
import { closeSync, existsSync, lstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";

/** An output problem the user can fix (exit 2): a bad `--out`, a concurrent run. */
export class OutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OutputError";
  }
}

/**
 * Why `stack` is not a valid stack name, or undefined. Pulumi stack names are alphanumerics, `-`, `_` and `.`
 * (at most 100 characters); here also never `.`/`..` and never starting with `.` or `-`, so
 * it can never name a directory other than a direct child of `--out`.
 */
export function stackNameProblem(stack: string): string | undefined {
  if (stack.length === 0) return "must not be empty";
  if (stack.length > 100) return `must be at most 100 characters, got ${stack.length}`;
  if (!/^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(stack)) {
    return `must be a stack name (letters, digits, '-', '_' and '.', not starting with '.' or '-'), not a path: got ${JSON.stringify(stack)}`;
  }
  return undefined;
}

/** Why `outDir` cannot hold plan output (it exists and is not a directory), or undefined. */
export function outDirProblem(outDir: string): string | undefined {
  if (outDir === "") return "must not be empty";
  let st;
  try {
    st = statSync(outDir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    return `cannot be used (${code ?? (e as Error).message})`;
  }
  return st.isDirectory() ? undefined : "exists and is not a directory";
}

/**
 * `mkdir -p`, one level at a time. Not `mkdirSync(…, { recursive: true })`: on Node 20 that never returns
 * for a path such as `/proc/x`, where mkdir fails with ENOENT although the parent exists.
 */
function makeDirectories(dir: string): void {
  const absolute = resolve(dir);
  const parts = absolute.split(sep).filter(Boolean);
  let current: string = sep;
  for (const part of parts) {
    current = join(current, part);
    try {
      mkdirSync(current);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST" || !statSync(current).isDirectory()) throw e;
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A held lock; `release()` removes the lock file. */
export interface OutputLock {
  path: string;
  release(): void;
}

/**
 * Takes the lock of `<outDir>/<stack>` (creating `outDir` when missing). Throws {@link OutputError} when
 * another live run holds it or `outDir` cannot be created.
 */
export function lockOutput(outDir: string, stack: string): OutputLock {
  try {
    makeDirectories(outDir);
  } catch (e) {
    throw new OutputError(`--out ${outDir}: cannot be created (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const path = join(outDir, `.${stack}.lock`);
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, "wx", 0o644);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "EEXIST") throw new OutputError(`--out ${outDir}: cannot create the lock file ${path} (${code ?? (e as Error).message})`);
      let holder = NaN;
      try {
        holder = Number.parseInt(readFileSync(path, "utf8"), 10);
      } catch {
        // removed meanwhile: try again
      }
      if (Number.isInteger(holder) && holder > 0 && alive(holder)) {
        throw new OutputError(`--out ${outDir}: another plan (pid ${holder}) is writing ${join(outDir, stack)}; lock file ${path}`);
      }
      // A lock without a live holder (a run that was killed): take it over.
      rmSync(path, { force: true });
      continue;
    }
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    return { path, release: () => rmSync(path, { force: true }) };
  }
  throw new OutputError(`--out ${outDir}: could not take the lock file ${path}`);
}

/**
 * Writes `files` (paths relative to the target) into a temporary directory beside `<outDir>/<stack>` and
 * renames it into place; the previous output is removed only once the new one is in place. Returns the
 * written paths under the target. The caller holds the lock.
 */
export function writeOutputAtomically(outDir: string, stack: string, files: Array<{ path: string; content: string }>): string[] {
  const target = join(outDir, stack);
  const tmp = mkdtempSync(join(outDir, `.${stack}.tmp-`));
  try {
    for (const f of files) {
      const p = join(tmp, f.path);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, f.content);
    }
    let old: string | undefined;
    if (existsSync(target) || isSymlink(target)) {
      old = `${tmp}.old`;
      // Renames the entry itself (a symlink stays a symlink): nothing it points to is touched.
      renameSync(target, old);
    }
    renameSync(tmp, target);
    if (old) rmSync(old, { recursive: true, force: true });
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return files.map((f) => join(target, f.path));
}

function isSymlink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}
