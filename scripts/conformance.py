"""``make conformance``: schemathesis over every spec against a live sandbox.

For each spec in ``specs/``: a fresh sandbox with a seeded state (a TelecomX zone holding
records, a Tesouro mailbox domain, a CiiRUS subaccount) so that the fuzzer reaches past the
404s, the vendor's auth (a TelecomX login token, a Tesouro bearer token, CiiRUS's HTTP Basic
pair), then ``st run`` with every check, positive and negative data, and a fixed seed.

``conformance/<spec>.json`` is the allow-list: schemathesis's baseline file, each entry a
failure we accept because the spec itself documents that answer, with the reason in the
entry's ``reason`` (``tests/test_conformance.py`` refuses an entry without one). A failure
outside it fails the run.

    python scripts/conformance.py [--max-examples N] [--seed N] [--spec NAME] [--update]

``--update`` writes the failures found into the allow-lists (then give each a reason).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import httpx

import maildns
from maildns import DnsRecord, RecordType
from maildns.sandbox import VENDORS, Sandbox

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"
ALLOWED = ROOT / "conformance"
ST = Path(sys.executable).parent / "st"
ZONE = "example.com"
DOMAIN = "mail.example.com"


def _vendor(spec: Path) -> str:
    return spec.stem.split("-")[0]


def _seed(sb: Sandbox) -> dict[str, str]:
    """A state worth fuzzing: a zone with records, a domain, a subaccount; their ids."""
    with maildns.TelecomX(base_url=sb.url("telecomx"), **sb.credentials("telecomx")) as dns:
        dns.create_zone(ZONE, customer=sb.telecomx_customer_id, product=sb.telecomx_product_id)
        for record in (
            DnsRecord(RecordType.A, f"www.{ZONE}", "213.83.176.4"),
            DnsRecord(RecordType.TXT, DOMAIN, "v=spf1 include:mailgun.org ~all"),
            DnsRecord(RecordType.MX, DOMAIN, "mxa.mailgun.org", priority=10),
        ):
            dns.add_record(ZONE, record)
    with maildns.Tesouro(base_url=sb.url("tesouro"), **sb.credentials("tesouro")) as tesouro:
        domain_id = tesouro.create_sending_domain(DOMAIN).id
    with maildns.Ciirus(base_url=sb.url("ciirus"), **sb.credentials("ciirus")) as ciirus:
        ciirus.create_sending_domain(DOMAIN, daily_send_limit=500, approved=True)
    return {"zone": ZONE, "domain_id": domain_id}


def _seeded(parameter: str, value: str, probability: float = 0.8) -> str:
    """Mostly the seeded value, sometimes the fuzzer's own: both the logic and the edges."""
    return (
        f'[dictionaries.{parameter}]\nvalues = ["{value}"]\n'
        f'[parameters]\n"path.{parameter}" = {{ dictionary = "{parameter}", '
        f"probability = {probability} }}\n"
    )


def _telecomx_config(sb: Sandbox, seeded: dict[str, str]) -> str:
    answer = httpx.post(sb.url("telecomx") + "/auth/login", json=sb.credentials("telecomx"))
    answer.raise_for_status()
    token = answer.json()["token"]
    return f'[auth.openapi.token]\napi_key = "{token}"\n' + _seeded("domain", seeded["zone"])


def _tesouro_config(sb: Sandbox, seeded: dict[str, str]) -> str:
    form = {"grant_type": "client_credentials", **sb.credentials("tesouro")}
    answer = httpx.post(sb.url("tesouro") + "/openid/connect/token", data=form)
    answer.raise_for_status()
    token = answer.json()["access_token"]
    return f'[auth.openapi.HTTPBearer]\nbearer = "{token}"\n' + _seeded(
        "domain_id", seeded["domain_id"]
    )


def _ciirus_config(sb: Sandbox, seeded: dict[str, str]) -> str:
    creds = sb.credentials("ciirus")
    return (
        f'[auth.openapi.basicAuth]\nusername = "{creds["username"]}"\n'
        f'password = "{creds["password"]}"\n'
    )


CONFIG: dict[str, Callable[[Sandbox, dict[str, str]], str]] = {
    "telecomx": _telecomx_config,
    "tesouro": _tesouro_config,
    "ciirus": _ciirus_config,
}


def run_spec(spec: Path, *, max_examples: int, seed: int, update: bool) -> int:
    vendor = _vendor(spec)
    allowed = ALLOWED / f"{spec.stem}.json"
    # No rate limit: the fuzzer sends far more than 30/s and must reach the operations' logic
    # (the 429 has its own tests).
    with Sandbox(rate_limits=dict.fromkeys(VENDORS)) as sb, tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "schemathesis.toml"
        config.write_text(CONFIG[vendor](sb, _seed(sb)))
        command = [
            str(ST),
            "--config-file",
            str(config),
            "--no-color",
            "run",
            str(spec),
            "--url",
            sb.url(vendor),
            "--checks",
            "all",
            "--mode",
            "all",
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            str(max_examples),
            "--seed",
            str(seed),
            "--workers",
            "1",
            "--generation-database",
            "none",
            "--suppress-health-check",
            "all",
            "--request-timeout",
            "10",
            "--output-truncate",
            "true",
        ]
        if allowed.exists() or update:
            command += ["--baseline", str(allowed)]
        if update:
            if not allowed.exists():
                allowed.parent.mkdir(exist_ok=True)
                allowed.write_text(
                    json.dumps({"format_version": 1, "entries": []}, indent=2) + "\n"
                )
            command.append("--baseline-update")
        print(f"== {spec.name} against {sb.url(vendor)}", flush=True)
        env = {**os.environ, "SCHEMATHESIS_TELEMETRY": "false", "NO_COLOR": "1"}
        return subprocess.run(command, env=env, check=False).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/conformance.py", description=__doc__)
    parser.add_argument("--max-examples", type=int, default=25)
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--spec", action="append", help="only this spec (file stem); repeatable")
    parser.add_argument("--update", action="store_true", help="write failures to the allow-lists")
    args = parser.parse_args(argv)
    specs = sorted(SPECS.glob("*.yaml"))
    if args.spec:
        unknown = set(args.spec) - {s.stem for s in specs}
        if unknown:
            parser.error(f"no such spec: {', '.join(sorted(unknown))}")
        specs = [s for s in specs if s.stem in args.spec]
    failed = [
        s.stem
        for s in specs
        if run_spec(s, max_examples=args.max_examples, seed=args.seed, update=args.update)
    ]
    if failed:
        print(f"conformance failures in: {', '.join(failed)}", file=sys.stderr)
        return 1
    print("conformance: no failure outside the allow-lists")
    return 0


if __name__ == "__main__":
    sys.exit(main())
