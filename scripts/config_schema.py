"""Write the onboarding configuration's JSON Schema to docs/assets/ (``--check``: exit 1 when
the file there is not what the loader's schema is now).

The schema is made by ``maildns.onboarding._schema.config_schema`` from the loader's keys and
the vendors' settings classes; the file is committed so that editors and the docs site can
point at it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from maildns.onboarding._schema import config_schema

TARGET = (
    Path(__file__).resolve().parent.parent / "docs" / "assets" / "onboarding-config.schema.json"
)


def text() -> str:
    return json.dumps(config_schema(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    wanted = text()
    if "--check" in argv:
        if not TARGET.exists() or TARGET.read_text(encoding="utf-8") != wanted:
            print(f"{TARGET} is stale: run python scripts/config_schema.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(wanted, encoding="utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
