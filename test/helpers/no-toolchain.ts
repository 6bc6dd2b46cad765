import { existsSync, mkdirSync, readdirSync, symlinkSync } from "node:fs";
import path from "node:path";

/** What a Databricks Apps container lacks: a C/C++ compiler, make and python. */
const TOOLCHAIN = /^(cc|c\+\+|cpp|gcc|g\+\+|clang|clang\+\+|make|gmake|python|python2|python3)$|-gcc(-\d+)?$|-g\+\+(-\d+)?$|^(gcc|g\+\+)-\d+$|^python\d\.\d+$/;

/** A folder of links to every program on `searchPath` except the toolchain: use it as the whole PATH. */
export function pathWithoutToolchain(dir: string, searchPath = process.env.PATH ?? "/usr/bin:/bin"): string {
  mkdirSync(dir, { recursive: true });
  for (const from of [path.dirname(process.execPath), ...searchPath.split(":")]) {
    let names: string[];
    try {
      names = readdirSync(from);
    } catch {
      continue;
    }
    for (const name of names) {
      if (TOOLCHAIN.test(name) || existsSync(path.join(dir, name))) continue;
      symlinkSync(path.join(from, name), path.join(dir, name));
    }
  }
  return dir;
}
