"""Validate the API suites' answers against the OpenAPI document.

Usage: openapi_check.py DOCUMENT LOG [COUNTS]

LOG holds one JSON line per exchange, as tests/api/harness.c writes them
with IMAGED_API_LOG set: method, path (with query), status, content_type,
length and, for JSON answers, body.  Each exchange is matched to the
document: the path, with any stage prefix taken off, to a path template;
the method to an operation (HEAD as GET); the status to a response; the
Content-Type to one of its media types; a JSON body to that media type's
schema.  A path outside the document must be answered 404 NOT_FOUND, and a
method outside it 405 METHOD_NOT_ALLOWED, both as the Error schema says.
A path served only with test_mode (tag "testing") may also answer a
method outside it 404, as it does with test_mode off.  An answer
test_mode's fault rules injected ("fault": true, from its
X-Imaged-Fault header) may carry any status on any route: only its body is
checked, as the Error schema, and it is counted apart.

Prints every mismatch and a summary line; writes "checked mismatched" to
COUNTS if given; exits 1 on any mismatch.
"""
import json
import os
import re
import sys
from urllib.parse import urlsplit

import jsonschema

# The HTTP layer's own refusals, which may carry its own (non-JSON) body.
PROTOCOL_STATUSES = {400, 408, 413, 414, 431, 501, 505}
# Refusals judged before a request is routed, as the JSON error, on any
# path: a NUL in the path (400), a target or headers too large (414, 431),
# an unknown transfer coding (501), a Host not answered for (421).
BEFORE_ROUTING = {400, 414, 421, 431, 501}
# The daemons of the suites serve the default stage.
STAGE = re.escape(os.environ.get("IMAGED_STAGE", "dev"))
STAGE_PREFIX = re.compile(r"^(/restapis/[^/]+/%s/_user_request_|/%s)(?=/)" %
                          (STAGE, STAGE))


def templates(doc):
    """(regex, template) for every path of the document."""
    out = []
    for tpl in doc["paths"]:
        rx = re.escape(tpl)
        rx = re.sub(r"\\\{[^}]+\\\}", "[^/]+", rx)
        out.append((re.compile("^" + rx + "$"), tpl))
    return out


def find_path(tpls, path):
    """The template a path matches, after taking off a stage prefix."""
    candidates = [path]
    if STAGE_PREFIX.match(path):
        candidates.append(STAGE_PREFIX.sub("", path, count=1))
    for p in candidates:
        for rx, tpl in tpls:
            if rx.match(p):
                return tpl
    return None


def media_matches(declared, ct):
    base = ct.split(";")[0].strip().lower()
    for m in declared:
        if m == base or (m.endswith("/*") and base.startswith(m[:-1])):
            return m
    return None


def test_mode_only(doc, tpl):
    """Whether a path is served only with test_mode (tag "testing")."""
    ops = [o for o in doc["paths"][tpl].values() if isinstance(o, dict)]
    return bool(ops) and all(o.get("tags") == ["testing"] for o in ops)


def resolve(doc, node):
    while isinstance(node, dict) and "$ref" in node:
        ptr = node["$ref"][2:].split("/")
        node = doc
        for part in ptr:
            node = node[part]
    return node


def main():
    doc = json.load(open(sys.argv[1]))
    tpls = templates(doc)
    validator_cls = jsonschema.Draft202012Validator
    validator_cls.check_schema(doc["components"]["schemas"]["Image"])
    resolver = jsonschema.RefResolver.from_schema(doc)
    error_schema = {"$ref": "#/components/schemas/Error"}
    checked = 0
    mismatched = 0
    skipped = 0
    injected = 0
    seen = set()

    def fail(ex, why):
        nonlocal mismatched
        mismatched += 1
        body = ex.get("body", "")
        print("MISMATCH %s %s -> %d: %s\n    %s" % (
            ex["method"], ex["path"], ex["status"], why, body[:300]))

    def validate(ex, schema):
        try:
            body = json.loads(ex["body"])
        except ValueError as e:
            return "body is not JSON: %s" % e
        v = validator_cls(schema, resolver=resolver,
                          format_checker=jsonschema.FormatChecker())
        errs = sorted(v.iter_errors(body), key=lambda e: list(e.path))
        if errs:
            e = errs[0]
            return "%s at %s" % (e.message[:200],
                                 "/".join(str(p) for p in e.path))
        return None

    for line in open(sys.argv[2]):
        ex = json.loads(line)
        method = ex["method"]
        status = ex["status"]
        path = urlsplit(ex["path"]).path
        ct = ex.get("content_type") or ""
        is_json = ct.startswith("application/json")
        tpl = find_path(tpls, path)
        if ex.get("fault"):
            # A fault rule's answer, not the route's: the JSON error.
            checked += 1
            injected += 1
            if method == "HEAD":
                continue  # headers only
            why = validate(ex, error_schema) if is_json else \
                "an injected fault's answer is the JSON error"
            if why:
                fail(ex, why)
            continue
        if method == "OPTIONS" and tpl is not None:
            # A preflight: 204 and no body.
            checked += 1
            if status != 204 or ex["length"] != 0:
                fail(ex, "a preflight is 204 with no body")
            continue
        op = None
        if tpl is not None:
            op = doc["paths"][tpl].get("get" if method == "HEAD"
                                       else method.lower())
        if tpl is None or op is None:
            # Outside the document: 404 or 405, the JSON error.
            want = (404, "NOT_FOUND") if tpl is None else \
                (405, "METHOD_NOT_ALLOWED")
            if tpl is not None and status == 404 and test_mode_only(doc, tpl):
                # Without test_mode the path is no route at all.
                want = (404, "NOT_FOUND")
            checked += 1
            if status in PROTOCOL_STATUSES and not is_json:
                skipped += 1
                continue
            if status in BEFORE_ROUTING and is_json:
                why = validate(ex, error_schema)
                if why:
                    fail(ex, why)
                continue
            if status != want[0] or not is_json:
                fail(ex, "outside the document: want %d JSON" % want[0])
                continue
            why = validate(ex, error_schema)
            if why is None and json.loads(ex["body"])["error"]["code"] != \
                    want[1]:
                why = "want code " + want[1]
            if why:
                fail(ex, why)
            continue
        responses = op["responses"]
        r = responses.get(str(status)) or \
            responses.get("%dXX" % (status // 100)) or \
            responses.get("default")
        checked += 1
        if r is None:
            if status in PROTOCOL_STATUSES and not is_json:
                skipped += 1
                continue
            fail(ex, "status %d is not documented for %s %s" % (
                status, method, tpl))
            continue
        r = resolve(doc, r)
        content = r.get("content", {})
        if method == "HEAD" or status == 304 or ex["length"] == 0:
            if content and ex["length"] == 0 and method != "HEAD" and \
                    status != 304:
                fail(ex, "empty body where the document has one")
            continue
        m = media_matches(content, ct)
        if m is None:
            fail(ex, "Content-Type %r is not documented (%s)" % (
                ct, ", ".join(content) or "no body"))
            continue
        seen.add((method, tpl, status))
        if is_json:
            why = validate(ex, content[m]["schema"])
            if why:
                fail(ex, why)
    print("openapi: %d responses checked against the document, "
          "%d mismatched, %d protocol refusals not checked, "
          "%d injected faults checked as errors only; "
          "%d (method, route, status) pairs seen" % (
              checked, mismatched, skipped, injected, len(seen)))
    if len(sys.argv) > 3:
        with open(sys.argv[3], "w") as f:
            f.write("%d %d\n" % (checked - mismatched, mismatched))
    return 1 if mismatched or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
