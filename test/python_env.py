#!/usr/bin/env python3
"""Create or refresh the project virtualenv.

The build calls this once per run. It installs the pinned Python side of the project
(LightGBM and friends for the container, moto for the AWS API emulator, cfn-lint) and the
container package itself in editable mode, so its console scripts (`preprocess`, `train`,
`evaluate`, `serve`) are on the venv's PATH. A stamp holding the hash of every input file
makes a warm run a no-op.
"""
import hashlib
import pathlib
import subprocess
import sys
import venv

ROOT = pathlib.Path(__file__).resolve().parent.parent
INPUTS = [
    ROOT / "test" / "requirements.txt",
    ROOT / "container" / "requirements.txt",
    ROOT / "container" / "requirements-dev.txt",
    ROOT / "container" / "pyproject.toml",
]


def digest() -> str:
    h = hashlib.sha256()
    for path in INPUTS:
        if path.exists():
            h.update(path.name.encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def main() -> int:
    target = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / ".venv"
    stamp = target / ".lgbmops-stamp"
    wanted = digest()
    if stamp.exists() and stamp.read_text() == wanted:
        print(f"python env up to date: {target}")
        return 0
    if not (target / "bin" / "python").exists():
        print(f"creating virtualenv {target}")
        venv.EnvBuilder(with_pip=True).create(target)
    pip = [str(target / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run(pip + ["-r", str(ROOT / "test" / "requirements.txt")], check=True)
    if (ROOT / "container" / "pyproject.toml").exists():
        subprocess.run(pip + ["--no-deps", "-e", str(ROOT / "container")], check=True)
    stamp.write_text(wanted)
    print(f"python env ready: {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
