import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** One file of an include_dir folder, as `ParseOptions.readIncludeDir` returns it. */
export interface IncludedFile {
  file: string;
  text: string;
}

/**
 * The `*.conf` files of an include_dir folder (relative to `baseDir`), sorted by name (Mosquitto 2.0.11
 * takes readdir's order, which is not defined; later versions sort). A name must be longer than
 * `.conf`, as in Mosquitto's conf.c.
 */
export function includeDirReader(baseDir: string): (dir: string) => IncludedFile[] {
  return (dir) => {
    const full = resolve(baseDir, dir);
    if (!statSync(full).isDirectory()) throw new Error(`${full} is not a folder`);
    return readdirSync(full)
      .filter((name) => name.length > 5 && name.endsWith('.conf'))
      .sort()
      .map((name) => ({ file: join(full, name), text: readFileSync(join(full, name), 'utf8') }));
  };
}
