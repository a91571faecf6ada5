"""Fails when a Python distribution installed in this environment is under the GPL or the AGPL (`make lint`).

pypacs ships under the MIT licence, so nothing it installs, at run time or for its tests, may be strongly
copyleft. A licence expression with an alternative (`GPL-3.0 OR MIT`) is fine; the LGPL (weak copyleft, e.g.
psycopg, used unmodified as a library) is allowed and listed. Reads each distribution's own metadata: its
License-Expression, else its License field and licence classifiers.
"""

from __future__ import annotations

import re
import sys
from importlib.metadata import Distribution, distributions

STRONG_COPYLEFT = re.compile(
    r"(?<![A-Za-z])A?GPL|GNU (Affero )?General Public Licen[cs]e|Affero", re.IGNORECASE
)
WEAK_COPYLEFT = re.compile(r"LGPL|Lesser General Public", re.IGNORECASE)


def declared_terms(dist: Distribution) -> list[str]:
    """The licence statements a distribution makes: alternatives of its expression, or its field and classifiers."""
    meta = dist.metadata
    expression = (meta.get("License-Expression") or "").strip()
    if expression:
        return [expression]
    terms = [c.split("::")[-1].strip() for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    field = (meta.get("License") or "").strip().splitlines()
    if field and len(field[0]) < 120:  # a name, not the licence text pasted in
        terms.append(field[0])
    return terms


def is_strong_copyleft(terms: list[str]) -> bool:
    for term in terms:
        alternatives = re.split(r"\s+OR\s+", term.replace("(", " ").replace(")", " "))
        if all(STRONG_COPYLEFT.search(alt) and not WEAK_COPYLEFT.search(alt) for alt in alternatives):
            return True
    return False


def main() -> int:
    refused: list[str] = []
    weak: list[str] = []
    unknown: list[str] = []
    names = set()
    for dist in distributions():
        name = dist.metadata.get("Name") or "?"
        if name in names:
            continue
        names.add(name)
        terms = declared_terms(dist)
        if not terms:
            unknown.append(name)
        elif is_strong_copyleft(terms):
            refused.append(f"{name} {dist.version}: {'; '.join(terms)}")
        elif any(WEAK_COPYLEFT.search(term) for term in terms):
            weak.append(name)
    for line in refused:
        print(f"licence refused (GPL/AGPL): {line}", file=sys.stderr)
    if unknown:
        print(f"licences: no licence declared by {', '.join(sorted(unknown))}; check them by hand", file=sys.stderr)
    summary = f"licences: {len(names)} distributions"
    summary += f", LGPL (allowed as libraries): {', '.join(sorted(weak))}" if weak else ""
    print(summary if not refused else f"{summary}; {len(refused)} under the GPL/AGPL: remove them")
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
