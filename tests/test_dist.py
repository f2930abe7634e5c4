"""``make dist`` (scripts/dist.py): one wheel per generated client, and maildns's own; each
installs into a fresh virtual environment from the built wheel (its third-party dependencies
from uv's cache or index), imports, and makes a call against the sandbox."""

from __future__ import annotations

import fnmatch
import importlib
import json
import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from maildns.sandbox import Sandbox
from maildns.sandbox._serving import environment

from .specs import ROOT, SPECS

sys.path.insert(0, str(ROOT / "scripts"))
import dist

QUICKSTART = ROOT / "docs" / "guide" / "quickstart.md"
KEEPING_HEALTHY = ROOT / "docs" / "guide" / "keeping-healthy.md"

# One worker builds the distributions once (the module's `built`) for every test here.
pytestmark = [pytest.mark.xdist_group("dist"), pytest.mark.long]


# Session, not module: a worker that runs another test between two of these must not build twice.
@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "dist.py"), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return out


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as sb:
        yield sb


def _fresh_venv(where: Path, *wheels: Path | str) -> Path:
    subprocess.run([dist.UV, "venv", "--quiet", "--python", sys.executable, str(where)], check=True)
    python = where / "bin" / "python"
    subprocess.run(
        [dist.UV, "pip", "install", "--quiet", "--python", str(python), *map(str, wheels)],
        check=True,
        timeout=600,
    )
    return python


def test_the_versions_come_from_info_version() -> None:
    assert dist.pep440("2025-06-23") == "2025.6.23"
    assert dist.pep440("v2024.07.31") == "2024.7.31"
    assert dist.pep440("1.2") == "1.2"
    with pytest.raises(ValueError, match="neither a date"):
        dist.pep440("latest")


@pytest.mark.parametrize("name", SPECS)
def test_each_client_is_a_wheel_of_its_own_that_works_alone(
    built: Path, sandbox: Sandbox, tmp_path: Path, name: str
) -> None:
    spec = SPECS[name]
    info = yaml.safe_load(spec.read_text())["info"]
    project = f"{name}_client"
    (wheel,) = built.glob(f"{project}-*.whl")
    version = wheel.name.split("-")[1]
    assert version.startswith(dist.pep440(str(info["version"])) + "."), wheel.name
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
        requires = [
            line.split(":", 1)[1].strip()
            for line in archive.read(metadata).decode().splitlines()
            if line.startswith("Requires-Dist:")
        ]
    assert {n.split("/")[0] for n in names if not n.endswith(".dist-info/" + n.split("/")[-1])} == {
        project
    }
    assert sorted(r.split(">")[0].split("<")[0] for r in requires) == ["attrs", "httpx"]

    python = _fresh_venv(tmp_path / "venv", wheel)
    vendor = name.split("_")[0]
    # the vendor's own tests give the probe: a call and the line it prints
    probe, expected = importlib.import_module(f"{__package__}.test_{vendor}").WHEEL_PROBE
    credentials = list(sandbox.credentials(vendor).values())
    done = subprocess.run(
        [str(python), "-c", probe, sandbox.url(vendor), *credentials, project],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,  # not this checkout: the import must come from the installed wheel
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == expected


def test_maildns_wheel_and_sdist_install_and_call_the_sandbox(
    built: Path, sandbox: Sandbox, tmp_path: Path
) -> None:
    (wheel,) = built.glob("maildns-*.whl")
    (sdist,) = built.glob("maildns-*.tar.gz")
    assert sdist.stat().st_size > 0
    with zipfile.ZipFile(wheel) as archive:
        tops = {n.split("/")[0] for n in archive.namelist()}
    packages = {"maildns", "vendor_models", *(f"{name}_client" for name in SPECS)}
    assert {t for t in tops if not t.endswith(".dist-info")} == packages  # nothing loose
    # as the quickstart says: maildns is not on PyPI, so the wheel's path, with the extra
    documented = re.findall(
        r"pip install '(dist/maildns-[^']+\.whl)\[sandbox\]'", QUICKSTART.read_text()
    )
    assert documented == [f"dist/{wheel.name}"]
    python = _fresh_venv(tmp_path / "venv", f"{wheel}[sandbox]")
    probe = (
        "import json, sys, maildns, maildns.sandbox\n"
        "with maildns.TelecomX(base_url=sys.argv[1], username=sys.argv[2], password=sys.argv[3])"
        " as dns:\n"
        "    print(json.dumps([maildns.__file__, len(list(dns.list_zones()))]))\n"
    )
    credentials = list(sandbox.credentials("telecomx").values())
    done = subprocess.run(
        [str(python), "-c", probe, sandbox.url("telecomx"), *credentials],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    where, zones = json.loads(done.stdout)
    assert where.startswith(str(tmp_path / "venv")), where
    assert zones == 0


def test_the_container_recipe_installs_a_wheel_that_onboards_and_watches_without_extras(
    built: Path, sandbox: Sandbox, tmp_path: Path
) -> None:
    """The guide's Dockerfile: its COPY names the wheel ``make dist`` writes, its pip install
    asks for no extra, and so installed (no Docker here: the same wheel into a fresh venv),
    the ``maildns`` its ENTRYPOINT runs onboards a domain and watches it once."""
    (wheel,) = built.glob("maildns-*.whl")
    recipes = re.findall(r"```dockerfile\n(.*?)```", KEEPING_HEALTHY.read_text(), re.S)
    assert len(recipes) == 1, recipes
    recipe = recipes[0]
    (copied,) = re.findall(r"^COPY (\S+) /tmp/$", recipe, re.M)
    assert fnmatch.fnmatch(f"dist/{wheel.name}", copied), (copied, wheel.name)
    (installed,) = re.findall(r"^RUN pip install --no-cache-dir (\S+) ", recipe, re.M)
    assert "[" not in installed  # no extra: the sandbox stays out of the image
    assert 'ENTRYPOINT ["maildns"]' in recipe
    python = _fresh_venv(tmp_path / "venv", wheel)
    command = python.parent / "maildns"
    config = tmp_path / "onboard.yaml"
    ids = f'customer: "{sandbox.telecomx_customer_id}", product: "{sandbox.telecomx_product_id}"'
    config.write_text(
        f"version: 1\ndns:\n  vendor: telecomx\n  zones:\n    box.example: {{{ids}}}\n"
        "domains:\n  - domain: mail.box.example\n    tesouro: {}\n"
    )
    given, unset = environment(sandbox)
    env = {k: v for k, v in os.environ.items() if k not in unset and not k.startswith("MAILDNS_")}
    env.update(given, MAILDNS_STATE=str(tmp_path / "state.sqlite3"))
    for args in (["apply", str(config), "--yes"], ["watch", str(config), "--once"]):
        done = subprocess.run(
            [str(command), "onboard", *args],
            capture_output=True,
            text=True,
            timeout=120,  # a hang bound only
            check=False,
            cwd=tmp_path,
            env=env,
        )
        assert done.returncode == 0, (args, done.stdout, done.stderr)
    assert re.search(r"^watch: interval 1: 1 checked \(1 answered", done.stderr, re.M), done.stderr


def test_no_page_installs_maildns_from_an_index() -> None:
    """maildns is installed from a clone or its wheel: ``pip install 'maildns[...]'`` fails."""
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    said = [p.name for p in pages if re.search(r"pip install '?maildns\[", p.read_text())]
    assert said == []
