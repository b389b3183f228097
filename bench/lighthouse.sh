#!/usr/bin/env bash
# Lighthouse's accessibility audit of the HTML pages, served as `make run` serves them (gunicorn
# over a scratch SQLite file loaded with the seed record). `make lighthouse` installs Lighthouse
# with npm into .node/ (git-ignored) and runs this; results in docs/accessibility.md.
# Prints one line per page, "score path", then each failing audit; exits 1 if a score is below 1.
set -euo pipefail
cd "$(dirname "$0")/.."

LIGHTHOUSE=${LIGHTHOUSE:-.node/node_modules/.bin/lighthouse}
export CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium}
PAGES=${PAGES:-"/ /?event=ukraine-severs-relations-north-korea-2022 /?date_from=2022-07&date_to=2022-07 /?claim_kind=report&date_from=2022-07&date_to=2022-07 /admin/login/ /api/docs/"}
WORK=$(mktemp -d)
export SQLITE_PATH="$WORK/site.sqlite3" STATIC_ROOT="$WORK/static" THROTTLE_ANON_RATE=off
unset DATABASE_URL

.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py loaddata record -v0
.venv/bin/python manage.py collectstatic --noinput -v0
PORT=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
.venv/bin/gunicorn config.wsgi --bind "127.0.0.1:$PORT" --workers 1 --log-level warning &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 50); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/api/v1/" && break; sleep 0.2; done

status=0
for path in $PAGES; do
  "$LIGHTHOUSE" "http://127.0.0.1:$PORT$path" --only-categories=accessibility --output=json \
    --output-path="$WORK/report.json" --quiet \
    --chrome-flags="--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync --no-first-run"
  .venv/bin/python - "$WORK/report.json" "$path" <<'PY' || status=1
import json, sys

report = json.load(open(sys.argv[1]))
score = report["categories"]["accessibility"]["score"]
print(f"{score:g} {sys.argv[2]}")
for ref in report["categories"]["accessibility"]["auditRefs"]:
    audit = report["audits"][ref["id"]]
    if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
        items = audit.get("details", {}).get("items", [])
        print(f"  failing: {ref['id']} ({audit['title']})")
        for item in items[:8]:
            node = item.get("node", {})
            print(f"    {node.get('snippet', '')[:100]}  {node.get('explanation', '')[:200]}")
sys.exit(0 if score == 1 else 1)
PY
done
exit $status
