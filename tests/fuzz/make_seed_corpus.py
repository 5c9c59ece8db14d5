#!/usr/bin/env python3
"""Writes the committed seed corpora under tests/fuzz/corpus/<target>/ from the Unleash
client specification (tests/e2e/node_modules/@unleash/client-specification). Re-run it
after upgrading that package:  python3 tests/fuzz/make_seed_corpus.py"""
import hashlib
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPEC = os.path.join(ROOT, "tests/e2e/node_modules/@unleash/client-specification/specifications")
OUT = os.path.join(ROOT, "tests/fuzz/corpus")


def write(target, text):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(text.encode()).hexdigest()
    with open(os.path.join(d, name), "w") as f:
        f.write(text)


def states(doc):
    state = doc["state"]
    if "events" not in state:
        return [state]
    out = []
    for e in state["events"]:
        if e["type"] == "hydration":
            out.append({"version": 2, "features": e["features"], "segments": e.get("segments", [])})
        elif e["type"] == "feature-updated":
            out.append({"version": 2, "features": [e["feature"]]})
    return out


def constraints(state):
    for f in state.get("features", []):
        for s in f.get("strategies", []):
            yield from s.get("constraints", [])
    for seg in state.get("segments", []):
        yield from seg.get("constraints", [])


def main():
    index = json.load(open(os.path.join(SPEC, "index.json")))
    for name in index:
        doc = json.load(open(os.path.join(SPEC, name)))
        contexts = []
        for t in doc.get("tests", []) + doc.get("variantTests", []):
            ctx = t.get("context", {})
            if ctx not in contexts:
                contexts.append(ctx)
        for state in states(doc):
            write("flags_features_fuzzer", json.dumps(state, ensure_ascii=False))
            for c in constraints(state):
                for ctx in contexts[:6]:
                    write("flags_constraint_fuzzer",
                          json.dumps({"constraint": c, "context": ctx}, ensure_ascii=False))
        for ctx in contexts:
            write("flags_context_fuzzer", json.dumps(ctx, ensure_ascii=False))
    # OFREP-shaped contexts.
    for ctx in [{"targetingKey": "u-12", "email": "a@example.com", "age": 30, "beta": True},
                {"targetingKey": "1", "currentTime": "2024-05-01T10:00:00+02:00", "version": "1.2.3"},
                {"remoteAddress": "2001:db8::7", "plan": "vip", "tenant": "acme", "gone": None}]:
        write("flags_context_fuzzer", json.dumps(ctx))
    return 0


if __name__ == "__main__":
    sys.exit(main())
