#!/usr/bin/env python3
"""Runs clang-tidy (with the repository's .clang-tidy) over this repository's own translation
units in a build dir's compile_commands.json, in parallel, and prints the findings.

A translation unit that passed is remembered under a key made of clang-tidy's version, the
.clang-tidy file, the compile command and the preprocessed source, so an unchanged file is not
analysed again (cache: $GOVERNOR_LINT_CACHE, else ~/.cache/governor/clang-tidy). Failures are
never cached. Exit status: 0 clean, 1 findings, 2 usage error.

usage: tidy.py BUILD_DIR JOBS DIR...   (DIR: top-level folders whose sources are analysed)
"""
import concurrent.futures
import hashlib
import json
import os
import shlex
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Headers of the project's own modules; third-party headers are never reported.
HEADER_DIRS = "api|app|bench|cli|controller|core|experiments|flags|predictors|store|tests"


def preprocess_command(entry):
    """The compile command with -E: preprocessed output on stdout, no object file."""
    args = entry.get("arguments") or shlex.split(entry["command"])
    if os.path.basename(args[0]) == "ccache":
        args = args[1:]
    out = []
    skip = False
    for a in args:
        if skip:
            skip = False
            continue
        if a in ("-o", "-MF", "-MT", "-MQ"):
            skip = True
            continue
        if a in ("-c", "-MD", "-MMD"):
            continue
        out.append(a)
    return out + ["-E", "-P"]


def cache_key(entry, tidy_version, config):
    pre = subprocess.run(preprocess_command(entry), cwd=entry["directory"], capture_output=True)
    if pre.returncode != 0:
        return None
    h = hashlib.sha256()
    for part in (tidy_version, config, entry.get("command", ""), entry["file"]):
        h.update(part.encode() if isinstance(part, str) else part)
        h.update(b"\0")
    h.update(pre.stdout)
    return h.hexdigest()


def run_one(entry, build_dir, cache_dir, tidy_version, config):
    key = cache_key(entry, tidy_version, config)
    marker = os.path.join(cache_dir, key) if key else None
    if marker and os.path.exists(marker):
        return entry["file"], 0, "", True
    header_filter = "^" + ROOT + "/(" + HEADER_DIRS + ")/"
    proc = subprocess.run(
        ["clang-tidy", "-p", build_dir, "--quiet", "--header-filter=" + header_filter,
         "--extra-arg=-Wno-unknown-warning-option", entry["file"]],
        capture_output=True, text=True)
    output = proc.stdout
    # clang-tidy prints "N warnings generated." on stderr; real errors (a file that does not
    # parse) also land there.
    errors = [l for l in proc.stderr.splitlines()
              if l and not l.endswith("generated.") and "warnings and" not in l
              and not l.startswith("Suppressed") and not l.startswith("Use -header-filter")]
    if proc.returncode == 0 and not output.strip():
        if marker:
            os.makedirs(cache_dir, exist_ok=True)
            open(marker, "w").close()
        return entry["file"], 0, "", False
    return entry["file"], 1, output + "\n".join(errors), False


def main():
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    build_dir = os.path.abspath(sys.argv[1])
    jobs = int(sys.argv[2])
    dirs = tuple(d.strip("/") + "/" for d in sys.argv[3:])
    with open(os.path.join(build_dir, "compile_commands.json")) as f:
        entries = json.load(f)
    seen = set()
    selected = []
    for e in entries:
        path = os.path.normpath(os.path.join(e["directory"], e["file"]))
        rel = os.path.relpath(path, ROOT)
        if rel.startswith(dirs) and rel not in seen:
            seen.add(rel)
            e["file"] = path
            selected.append(e)
    tidy_version = subprocess.run(["clang-tidy", "--version"], capture_output=True,
                                  text=True).stdout
    with open(os.path.join(ROOT, ".clang-tidy")) as f:
        config = f.read()
    cache_dir = os.environ.get("GOVERNOR_LINT_CACHE") or os.path.join(
        os.path.expanduser("~"), ".cache", "governor", "clang-tidy")
    failed = 0
    cached = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(run_one, e, build_dir, cache_dir, tidy_version, config)
                   for e in selected]
        for fut in concurrent.futures.as_completed(futures):
            path, rc, output, hit = fut.result()
            cached += hit
            if rc != 0:
                failed += 1
                print("clang-tidy: " + os.path.relpath(path, ROOT))
                print(output.rstrip())
    print("clang-tidy: %d files, %d unchanged since they last passed, %d with findings"
          % (len(selected), cached, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
