/**
 * PyTorch as the side-by-side reference: runs a Python script with `/usr/bin/python3` (Debian's
 * torch 1.13) either on the BLAS it is packaged with (Debian's reference `libblas.so.3`, ~6
 * GFLOP/s on one thread, which no PyTorch user has) or on Debian's OpenBLAS, extracted into a
 * cache folder without touching the system (NOTES-ENV.md, "Speed of this machine").
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";

const PYTHON = "/usr/bin/python3";
const PACKAGE = "libopenblas0-pthread";

/** The cache folder: `$XDG_CACHE_HOME/webtorch-bench` (default `~/.cache/webtorch-bench`). */
function cacheDir(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(os.homedir(), ".cache"), "webtorch-bench");
}

/** The extracted `usr/lib/<triplet>/openblas-pthread` folder under `root`, if there is one. */
function findLibDir(root: string): string | null {
  const lib = join(root, "usr", "lib");
  if (!existsSync(lib)) return null;
  for (const triplet of readdirSync(lib)) {
    const dir = join(lib, triplet, "openblas-pthread");
    if (existsSync(dir) && readdirSync(dir).some((f) => /^libopenblasp-r0\.3\..*\.so$/.test(f)))
      return dir;
  }
  return null;
}

/**
 * The folder holding Debian's OpenBLAS (`libblas.so.3`, `libopenblas.so.0` and the
 * `libopenblasp-r0.3.*.so` they load), downloaded with `apt-get download` and unpacked with
 * `dpkg -x` the first time, then cached. Returns `{ reason }` where apt or dpkg cannot give it.
 */
export function openBlasDir(): { dir: string } | { reason: string } {
  const root = join(cacheDir(), "openblas");
  let dir = findLibDir(root);
  if (!dir) {
    const debs = join(cacheDir(), "debs");
    mkdirSync(debs, { recursive: true });
    const dl = spawnSync("apt-get", ["download", PACKAGE], { cwd: debs, encoding: "utf8" });
    if (dl.error || dl.status !== 0)
      return {
        reason: `apt-get download ${PACKAGE} failed: ${(dl.error?.message ?? dl.stderr).trim().split("\n").pop()}`,
      };
    const deb = readdirSync(debs).find((f) => f.startsWith(`${PACKAGE}_`) && f.endsWith(".deb"));
    if (!deb) return { reason: `apt-get download ${PACKAGE} left no .deb in ${debs}` };
    rmSync(root, { recursive: true, force: true });
    const x = spawnSync("dpkg", ["-x", join(debs, deb), root], { encoding: "utf8" });
    if (x.error || x.status !== 0)
      return { reason: `dpkg -x failed: ${(x.error?.message ?? x.stderr).trim()}` };
    dir = findLibDir(root);
    if (!dir) return { reason: `no libopenblasp-r0.3.*.so in ${deb}` };
  }
  // NOTE: libblas.so.3 there needs libopenblas.so.0; the package ships that link, but add it if a
  // future package does not.
  const so0 = join(dir, "libopenblas.so.0");
  if (!existsSync(so0)) {
    const real = readdirSync(dir).find((f) => /^libopenblasp-r0\.3\..*\.so$/.test(f))!;
    symlinkSync(real, so0);
  }
  return { dir };
}

export interface PythonRun<T> {
  /** The script's last stdout line, parsed; null with `error` set when it failed. */
  result: T | null;
  error?: string;
}

/**
 * Runs `script` with `args` on `/usr/bin/python3` and parses the JSON it prints last. With
 * `blasDir`, the child loads that BLAS first (`LD_LIBRARY_PATH`); `threads` sets
 * `OMP_NUM_THREADS` and `OPENBLAS_NUM_THREADS` (the script calls `torch.set_num_threads` too).
 * `OPENBLAS_CORETYPE` and `OPENBLAS_L2_SIZE`, set on some of these machines, are removed for the
 * child: OpenBLAS picks its kernels from the CPU itself.
 */
export function runPython<T>(
  script: string,
  args: string[],
  options: { blasDir?: string; threads: number },
): PythonRun<T> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OMP_NUM_THREADS: String(options.threads),
    OPENBLAS_NUM_THREADS: String(options.threads),
  };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  if (options.blasDir)
    env.LD_LIBRARY_PATH = [options.blasDir, env.LD_LIBRARY_PATH].filter(Boolean).join(":");
  const r = spawnSync(PYTHON, [script, ...args], { env, encoding: "utf8" });
  if (r.error) return { result: null, error: r.error.message };
  if (r.status !== 0)
    return {
      result: null,
      error: `exit ${r.status}: ${r.stderr.trim().split("\n").pop() ?? ""}`,
    };
  try {
    return { result: JSON.parse(r.stdout.trim().split("\n").pop()!) as T };
  } catch {
    return { result: null, error: `no JSON in its output: ${r.stdout.slice(-200)}` };
  }
}

/** Names the BLAS from the libraries a process mapped: "OpenBLAS 0.3.21", "reference BLAS". */
export function blasName(mapped: string[]): string {
  const open = mapped.map((p) => /libopenblas\w*-r(\d+\.\d+\.\d+)/.exec(p)).find(Boolean);
  if (open) return `OpenBLAS ${open[1]}`;
  if (mapped.some((p) => /\/blas\/libblas\.so/.test(p))) return "reference BLAS";
  return mapped.length ? `unknown BLAS (${mapped.join(", ")})` : "no BLAS mapped";
}
