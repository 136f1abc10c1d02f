"""A dependency-free PEP 517 build backend, committed into the test package repository as `backend.py`:
an sdist of the tracked files and a one-module wheel, so building and installing never download anything."""

import base64
import hashlib
import io
import tarfile
import zipfile
from pathlib import Path
from typing import Any

NAME = "tiny_release_pkg"
FILES = ("pyproject.toml", "backend.py", "VERSION", "tiny_release_pkg/__init__.py")


def _version() -> str:
    return Path("VERSION").read_text().strip()


def _metadata() -> bytes:
    return f"Metadata-Version: 2.1\nName: tiny-release-pkg\nVersion: {_version()}\n".encode()


def build_sdist(sdist_directory: str, config_settings: Any = None) -> str:
    base = f"{NAME}-{_version()}"
    with tarfile.open(Path(sdist_directory) / f"{base}.tar.gz", "w:gz") as archive:
        for name in FILES:
            archive.add(name, arcname=f"{base}/{name}")
        info = tarfile.TarInfo(f"{base}/PKG-INFO")
        info.size = len(_metadata())
        archive.addfile(info, io.BytesIO(_metadata()))
    return f"{base}.tar.gz"


def _hash(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def build_wheel(wheel_directory: str, config_settings: Any = None, metadata_directory: Any = None) -> str:
    info = f"{NAME}-{_version()}.dist-info"
    files = {
        f"{NAME}/__init__.py": Path(NAME, "__init__.py").read_bytes(),
        f"{info}/METADATA": _metadata(),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: tiny\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = "".join(f"{path},sha256={_hash(data)},{len(data)}\n" for path, data in files.items())
    name = f"{NAME}-{_version()}-py3-none-any.whl"
    with zipfile.ZipFile(Path(wheel_directory) / name, "w") as archive:
        for path, data in files.items():
            archive.writestr(path, data)
        archive.writestr(f"{info}/RECORD", record + f"{info}/RECORD,,\n")
    return name
