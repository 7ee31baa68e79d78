"""Build the offline bundle: everything an air-gapped machine needs to install csbm.

    python deploy/bundle/build.py [--debs] [--out dist]

writes ``dist/csbm-offline-<version>-<platform>.tar.gz``, one folder holding:

- ``wheels/``: csbm's wheel and every runtime dependency as a wheel, at the versions
  pinned in requirements.lock;
- ``requirements.txt``: each wheel as ``name==version --hash=sha256:...``, for
  ``pip install --no-index --require-hashes``;
- ``install.sh``, ``README.md``, ``deploy/`` (the service units, the environment file
  template, the nginx site) and ``docs/deployment.md``;
- ``debs/`` with ``--debs``: the Debian packages PDF output needs, and their dependencies;
- ``SHA256SUMS`` of every other file, which install.sh checks first.

The runtime dependencies are csbm's requirements (without the dev extra) followed
through the installed distributions' metadata, so this runs in the venv that
``make install`` built from requirements.lock; a version there that differs from the
lock stops the build. The platform is this machine's (``cp311-linux_x86_64``): several
wheels are compiled (pydantic-core, psycopg-binary, pillow), so a bundle serves one
CPU architecture and one Python minor version.

Hashes: every file pip downloads is checked against requirements.lock
(``--require-hashes``). A package the index offers only as a source archive has its
archive checked against the lock the same way, is built into a wheel here, and that
wheel's sha256 is what ``requirements.txt`` and ``SHA256SUMS`` then pin: the lock vouches
for the source, the bundle for the wheel built from it. README.md lists such wheels.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
# What PDF output needs from Debian (WeasyPrint loads Pango and HarfBuzz; DejaVu has
# the Cyrillic glyphs), and python3-venv, without which Debian's Python makes no venv.
DEBIAN_PACKAGES = (
    "libpango-1.0-0",
    "libpangoft2-1.0-0",
    "libharfbuzz0b",
    "libharfbuzz-subset0",
    "fonts-dejavu-core",
    "python3-venv",
)
# Hard dependencies only: what a package cannot be installed without.
APT_DEPENDS = (
    *("apt-cache", "depends", "--recurse", "--no-recommends", "--no-suggests"),
    *("--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances"),
)
DEPLOY_FILES = ("csbm.service", "csbm-scheduler.service", "csbm.env", "nginx-csbm.conf")


class BundleError(Exception):
    """Why the bundle cannot be built; nothing is written to dist/."""


def platform_tag() -> str:
    return f"cp{sys.version_info.major}{sys.version_info.minor}-{sysconfig.get_platform().replace('-', '_')}"


def version() -> str:
    text = (ROOT / "app" / "__init__.py").read_text(encoding="utf-8")
    found = re.search(r'__version__ = "([^"]+)"', text)
    if not found:
        raise BundleError("app/__init__.py names no __version__")
    return found.group(1)


# ---- which packages, at which pins ---------------------------------------------------


def runtime_closure() -> dict[str, str]:
    """Every distribution csbm needs at run time, by canonical name, with its installed version."""
    found: dict[str, str] = {}
    todo: list[tuple[str, frozenset[str]]] = [("csbm", frozenset())]
    done: set[tuple[str, frozenset[str]]] = set()
    while todo:
        name, extras = todo.pop()
        if (canonicalize_name(name), extras) in done:
            continue
        done.add((canonicalize_name(name), extras))
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            raise BundleError(f"{name} is not installed here: run `make install` first") from None
        found[canonicalize_name(name)] = dist.version
        for text in dist.requires or []:
            req = Requirement(text)
            environments = [{"extra": e} for e in (extras or {""})]
            if req.marker is None or any(req.marker.evaluate(env) for env in environments):
                todo.append((req.name, frozenset(req.extras)))
    found.pop("csbm")
    return found


def lock_entries(lock: Path) -> dict[str, tuple[str, list[str]]]:
    """requirements.lock as {name: (version, [sha256, ...])}."""
    entries: dict[str, tuple[str, list[str]]] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", lock.read_text(encoding="utf-8")):
        pinned = re.match(r"([A-Za-z0-9._-]+)==([^\s\\]+)", block)
        if pinned:
            hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})", block)
            entries[canonicalize_name(pinned.group(1))] = (pinned.group(2), hashes)
    return entries


def pinned_requirements(closure: dict[str, str], lock: dict[str, tuple[str, list[str]]]) -> list[str]:
    lines, problems = [], []
    for name, installed in sorted(closure.items()):
        if name not in lock:
            problems.append(f"{name} {installed} is needed at run time but is not in requirements.lock")
            continue
        pinned, hashes = lock[name]
        if pinned != installed:
            problems.append(f"{name}: requirements.lock pins {pinned}, the venv has {installed} (run `make install`)")
        lines.append(f"{name}=={pinned} " + " ".join(f"--hash=sha256:{h}" for h in hashes))
    if problems:
        raise BundleError("\n".join(problems))
    return lines


# ---- wheels --------------------------------------------------------------------------


def pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", *args], check=True)


def download(requirements: list[str], wheels: Path, work: Path) -> list[tuple[str, str]]:
    """Every pinned package into ``wheels``; source archives built into wheels. Returns the
    built ones as (source archive, its sha256 from the lock)."""
    listed = work / "runtime.txt"
    listed.write_text("\n".join(requirements) + "\n", encoding="utf-8")
    sources = work / "downloads"
    no_binary = os.environ.get("CSBM_BUNDLE_NO_BINARY", "")  # to exercise the source path in tests
    extra = ["--no-binary", no_binary] if no_binary else []
    pip("download", "--quiet", "--no-deps", "--require-hashes", "-r", str(listed), "-d", str(sources), *extra)
    built = []
    for path in sorted(sources.iterdir()):
        if path.suffix == ".whl":
            shutil.move(path, wheels / path.name)
            continue
        pip("wheel", "--quiet", "--no-deps", "-w", str(wheels), str(path))
        built.append((path.name, sha256(path)))
    return built


def csbm_wheel(wheels: Path) -> Path:
    before = set(wheels.glob("csbm-*.whl"))
    pip("wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(ROOT))
    [made] = set(wheels.glob("csbm-*.whl")) - before
    return made


def sha256(path: Path) -> str:
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def bundle_requirements(wheels: Path) -> str:
    """What install.sh installs: each wheel of the bundle, pinned by the hash of the file itself."""
    lines = []
    for wheel in sorted(wheels.glob("*.whl")):
        name, wheel_version, _build, _tags = parse_wheel_filename(wheel.name)
        lines.append(f"{name}=={wheel_version} --hash=sha256:{sha256(wheel)}")
    return "\n".join(lines) + "\n"


# ---- Debian packages -----------------------------------------------------------------


def debian_closure() -> list[str]:
    """The PDF packages and everything they depend on (not only what this machine lacks)."""
    out = subprocess.run(
        [*APT_DEPENDS, *DEBIAN_PACKAGES],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    # Virtual packages show as <name>; the real packages providing them are listed too.
    return sorted({line.strip() for line in out.splitlines() if line and not line.startswith((" ", "<"))})


def download_debs(debs: Path) -> None:
    if shutil.which("apt-get") is None:
        raise BundleError("DEBS=1 needs apt-get (a Debian machine of the same release as the target)")
    debs.mkdir()
    # As root, apt fetches as its _apt user, which may not write in our temporary folder.
    sandbox = ["-o", "APT::Sandbox::User=root"] if os.geteuid() == 0 else []
    command = ["apt-get", "download", "-q", *sandbox, *debian_closure()]
    subprocess.run(command, cwd=debs, check=True, stdout=subprocess.DEVNULL)


# ---- the bundle ------------------------------------------------------------------------


def readme(name: str, built: list[tuple[str, str]], with_debs: bool) -> str:
    text = (HERE / "README.md").read_text(encoding="utf-8").replace("@BUNDLE@", name)
    text = text.replace("@DEBIAN_PACKAGES@", " ".join(DEBIAN_PACKAGES))
    text += "\n## What this bundle holds\n\n"
    text += f"- `debs/`: {'present' if with_debs else 'not included (built without DEBS=1)'}\n"
    if built:
        text += "- wheels built from source archives (the archive's sha256 is the one in requirements.lock):\n"
        text += "".join(f"  - `{archive}` sha256 {digest}\n" for archive, digest in built)
    else:
        text += "- every dependency came as a wheel whose sha256 is in requirements.lock\n"
    return text


def write_sums(folder: Path) -> None:
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "SHA256SUMS")
    lines = [f"{sha256(p)}  {p.relative_to(folder).as_posix()}" for p in files]
    (folder / "SHA256SUMS").write_text("\n".join(lines) + "\n", encoding="utf-8")


def copy_deploy(folder: Path) -> None:
    (folder / "deploy").mkdir()
    for name in DEPLOY_FILES:
        shutil.copy2(ROOT / "deploy" / name, folder / "deploy" / name)
    (folder / "docs").mkdir()
    shutil.copy2(ROOT / "docs" / "deployment.md", folder / "docs" / "deployment.md")


def build(out: Path, with_debs: bool) -> Path:
    name = f"csbm-offline-{version()}-{platform_tag()}"
    requirements = pinned_requirements(runtime_closure(), lock_entries(ROOT / "requirements.lock"))
    with tempfile.TemporaryDirectory(prefix="csbm-bundle-") as tmp:
        work = Path(tmp)
        folder = work / name
        wheels = folder / "wheels"
        wheels.mkdir(parents=True)
        built = download(requirements, wheels, work)
        csbm_wheel(wheels)
        (folder / "requirements.txt").write_text(bundle_requirements(wheels), encoding="utf-8")
        if with_debs:
            download_debs(folder / "debs")
        shutil.copy2(HERE / "install.sh", folder / "install.sh")
        (folder / "install.sh").chmod(0o755)
        (folder / "README.md").write_text(readme(name, built, with_debs), encoding="utf-8")
        copy_deploy(folder)
        write_sums(folder)
        out.mkdir(parents=True, exist_ok=True)
        target = out / f"{name}.tar.gz"
        partial = out / f".{name}.tar.gz.partial"
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(folder, arcname=name)
        partial.replace(target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--debs", action="store_true", help="also add the Debian packages (apt-get download)")
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    args = parser.parse_args()
    try:
        target = build(args.out, args.debs)
    except BundleError as exc:
        sys.exit(f"make bundle: {exc}")
    print(f"{target} ({target.stat().st_size // 1_000_000} MB)")


if __name__ == "__main__":
    main()
