"""The instance folder and the database are readable by their owner only.

They hold resume tokens, password hashes and the secret key; with the default umask (022)
they came out 0755 and 0644, readable by every account on the laptop.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import IS_POSTGRES

ROOT = Path(__file__).resolve().parent.parent


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _run(instance: Path, body: str) -> str:
    """Run ``body`` in a fresh process as the app runs (umask 022, the usual default)."""
    script = ("import os\nos.umask(0o022)\nfrom consult import create_app\n"
              "from consult.extensions import db\napp = create_app()\n"
              "with app.app_context():\n" + body)
    env = {**os.environ, "CONSULT_INSTANCE": str(instance), "SECRET_KEY": ""}
    env.pop("DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.skipif(IS_POSTGRES, reason="the SQLite files of the default setup")
def test_a_new_instance_is_owner_only(tmp_path):
    instance = tmp_path / "instance"
    # While a connection is open SQLite has its -wal and -shm files beside the database.
    out = _run(instance, """
    import stat
    db.create_all()
    db.session.execute(db.text("CREATE TABLE IF NOT EXISTS probe (x)"))
    db.session.execute(db.text("INSERT INTO probe VALUES (1)"))
    db.session.commit()
    with db.engine.connect() as conn:
        conn.exec_driver_sql("SELECT count(*) FROM probe").scalar()
        for suffix in ("-wal", "-shm"):
            path = db.engine.url.database + suffix
            print(suffix, oct(stat.S_IMODE(os.stat(path).st_mode)))
""")
    assert _mode(instance) == 0o700
    assert _mode(instance / "consult.db") == 0o600
    assert _mode(instance / "secret_key") == 0o600
    assert "-wal 0o600" in out and "-shm 0o600" in out, out


@pytest.mark.skipif(IS_POSTGRES, reason="the SQLite files of the default setup")
def test_an_existing_instance_is_tightened_at_start(tmp_path):
    """A folder made by an earlier version (0755, database 0644) is closed on the next start."""
    instance = tmp_path / "instance"
    instance.mkdir()
    os.chmod(instance, 0o755)  # noqa: S103 - the old default, to be tightened
    database = instance / "consult.db"
    database.write_bytes(b"")
    os.chmod(database, 0o644)
    (instance / "secret_key").write_text("an-old-key")
    os.chmod(instance / "secret_key", 0o644)
    _run(instance, "    pass\n")
    assert _mode(instance) == 0o700
    assert _mode(database) == 0o600
    assert _mode(instance / "secret_key") == 0o600


def test_tightening_never_widens(tmp_path):
    from consult.database import secure_instance_folder

    folder = tmp_path / "instance"
    folder.mkdir()
    os.chmod(folder, 0o500)  # stricter than 0700 already: left as it is
    try:
        secure_instance_folder(str(folder))
        assert _mode(folder) == 0o500
    finally:
        os.chmod(folder, 0o700)
