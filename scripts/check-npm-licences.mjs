// Fails when an npm package the viewer ships (a production dependency, direct or not) is under the GPL or the
// AGPL, or declares no licence (`make lint`). The companion of check-licences.py for the Python side.
//
// pypacs ships under the MIT licence and its wheel carries the built viewer, so everything bundled into it must
// be permissive. Packages come from the committed lockfile (viewer/package-lock.json: dev-only ones, such as
// esbuild and TypeScript, which never reach the bundle, are skipped); each one's licence is read from its own
// package.json in node_modules (`license`, or the older `licenses` list), the lockfile's copy when it is not
// installed. An expression with a permissive alternative ("GPL-3.0 OR MIT") is fine; the LGPL is allowed and
// listed, as on the Python side.
//
//   node scripts/check-npm-licences.mjs [viewer folder]
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const STRONG_COPYLEFT = /(?<![A-Za-z])A?GPL|GNU (Affero )?General Public Licen[cs]e|Affero/i;
const WEAK_COPYLEFT = /LGPL|Lesser General Public/i;

/** The licence terms a package.json declares, as strings. */
export function declaredTerms(manifest) {
  const field = manifest.license ?? manifest.licenses;
  const terms = (Array.isArray(field) ? field : [field])
    .map((entry) => (typeof entry === "object" && entry !== null ? entry.type : entry))
    .filter((term) => typeof term === "string" && term.trim() !== "");
  return terms.map((term) => term.trim());
}

/** Whether every alternative of some declared term is GPL or AGPL (and not the LGPL). */
export function isStrongCopyleft(terms) {
  return terms.some((term) =>
    term
      .replace(/[()]/g, " ")
      .split(/\s+OR\s+/i)
      .every((alternative) => STRONG_COPYLEFT.test(alternative) && !WEAK_COPYLEFT.test(alternative)),
  );
}

function main(folder) {
  const lockfile = JSON.parse(readFileSync(join(folder, "package-lock.json"), "utf8"));
  const refused = [];
  const undeclared = [];
  const weak = [];
  let checked = 0;
  for (const [path, entry] of Object.entries(lockfile.packages ?? {})) {
    if (path === "" || entry.dev || entry.link) continue;
    const installed = join(folder, path, "package.json");
    if (entry.optional && !existsSync(installed)) continue; // another platform's binary
    const manifest = existsSync(installed) ? JSON.parse(readFileSync(installed, "utf8")) : entry;
    const name = path.replace(/^.*node_modules\//, "");
    const terms = declaredTerms(manifest);
    checked += 1;
    if (terms.length === 0) undeclared.push(`${name} ${entry.version ?? ""}`.trim());
    else if (isStrongCopyleft(terms)) refused.push(`${name} ${entry.version ?? ""}: ${terms.join("; ")}`);
    else if (terms.some((term) => WEAK_COPYLEFT.test(term))) weak.push(name);
  }
  for (const line of refused) console.error(`licence refused (GPL/AGPL): ${line}`);
  for (const line of undeclared) console.error(`licence not declared: ${line}; check it by hand and replace or vendor it`);
  let summary = `npm licences: ${checked} production packages`;
  if (weak.length) summary += `, LGPL (allowed as libraries): ${[...new Set(weak)].sort().join(", ")}`;
  const failed = refused.length + undeclared.length;
  console.log(failed ? `${summary}; ${failed} refused or undeclared: remove them` : summary);
  return failed ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exit(main(resolve(process.argv[2] ?? "viewer")));
}
