/**
 * Writes a command's output files into a directory safely: every file is first written into a fresh
 * temporary directory inside the target (same file system), then renamed over its final name, so a reader
 * never sees a half-written file and an interrupted run leaves the previous outputs intact. Only the named
 * files are replaced; nothing else in the directory is touched (a symlink at a target name is replaced by
 * the file, never followed).
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export function writeOutputs(dir: string, files: Record<string, string>): string[] {
  for (const name of Object.keys(files)) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw new Error(`output file name ${JSON.stringify(name)} is not a plain file name`);
  }
  let st;
  try {
    st = statSync(dir);
  } catch {
    st = undefined;
  }
  if (st && !st.isDirectory()) throw new Error(`${dir} exists and is not a directory`);
  mkdirSync(dir, { recursive: true });
  const tmp = mkdtempSync(join(dir, ".ksp-tmp-"));
  try {
    for (const [name, content] of Object.entries(files)) writeFileSync(join(tmp, name), content, { mode: 0o644, flag: "wx" });
    const written: string[] = [];
    for (const name of Object.keys(files)) {
      renameSync(join(tmp, name), join(dir, name));
      written.push(join(dir, name));
    }
    return written;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
