"""``speechcase users``: accounts of the web app, managed from a terminal."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from speechcase.core.errors import ShareRefused
from speechcase.interfaces.cli.main import main
from speechcase.rehearsals.accounts import authenticate, create_session, find_user, session_for
from speechcase.rehearsals.sharing import accept_invite, create_invite, talk_access
from speechcase.rehearsals.store import open_store


def users(store, *args: str, stdin: str | None = None):
    result = CliRunner().invoke(main, ["users", *args, "--store", str(store)], input=stdin)
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def store(tmp_path):
    return tmp_path / "store.sqlite3"


def test_add_list_passwd_token_remove(store):
    assert users(store, "list").output.startswith("No accounts yet")
    added = users(store, "add", "ana", "--role", "candidate", stdin="a long password\na long password\n")
    assert added.exit_code == 0 and "Added the candidate 'ana'" in added.output
    assert users(store, "add", "carl", "--role", "coach", "--password-stdin", stdin="coach password\n").exit_code == 0
    listing = users(store, "list").output
    assert "ana" in listing and "coach" in listing and "scrypt" not in listing and "password" not in listing
    with open_store(store) as db:
        user = authenticate(db, "ana", "a long password")
        assert user is not None and user.role == "candidate"
        token, _ = create_session(db, user)
    assert users(store, "passwd", "ana", "--password-stdin", stdin="another password\n").exit_code == 0
    with open_store(store) as db:
        assert authenticate(db, "ana", "a long password") is None
        assert authenticate(db, "ana", "another password") is not None
        assert session_for(db, token) is None  # a new password ends the open sessions
    api = users(store, "token", "ana").output.strip()
    assert api.startswith("sc_") and len(api) > 40
    assert users(store, "token", "ana", "--revoke").output.startswith("Revoked 1 API token")
    removed = users(store, "remove", "carl")
    assert removed.exit_code == 0 and "Removed the coach 'carl'" in removed.output


@pytest.mark.parametrize("args, stdin, code, message", [
    (["add", "ana", "--role", "candidate", "--password-stdin"], "short\n", 31, "The password is too short"),
    (["add", "../x", "--role", "coach", "--password-stdin"], "long enough pw\n", 31, "cannot be a user name"),
    (["add", "ana", "--role", "boss", "--password-stdin"], "long enough pw\n", 2, "Invalid value for '--role'"),
    (["remove", "nobody"], None, 30, "No user called 'nobody'"),
    (["token", "nobody"], None, 30, "No user called 'nobody'"),
])
def test_refusals_are_one_line_with_their_exit_code(store, args, stdin, code, message):
    result = users(store, *args, stdin=stdin)
    assert result.exit_code == code and message in result.output


def test_a_name_is_taken_whatever_its_case(store):
    assert users(store, "add", "Ana", "--role", "candidate", "--password-stdin", stdin="long enough pw\n").exit_code == 0
    taken = users(store, "add", "ana", "--role", "coach", "--password-stdin", stdin="long enough pw\n")
    assert taken.exit_code == 31 and "already exists" in taken.output


def test_an_invite_expires_and_works_once(store, tmp_path):
    from conftest import DATA

    from speechcase.analysis.pipeline import AnalyzeOptions
    from speechcase.service import analyze_input, record_take

    for name, role in (("ana", "candidate"), ("carl", "coach"), ("dora", "coach")):
        users(store, "add", name, "--role", role, "--password-stdin", stdin="long enough pw\n")
    analysis, document = analyze_input(DATA / "transcript_sample.json", AnalyzeOptions())
    with open_store(store) as db:
        record_take(db, document, analysis.transcript, "churn", "ana")
        talk = db.find_talk("churn")
        ana, carl, dora = (find_user(db, n) for n in ("ana", "carl", "dora"))
        expired = create_invite(db, ana, talk, days=-1)
        with pytest.raises(ShareRefused, match="expired or was already used"):
            accept_invite(db, carl, expired)
        live = create_invite(db, ana, talk)
        with pytest.raises(ShareRefused, match="Only a coach account"):
            accept_invite(db, ana, live)
        assert accept_invite(db, carl, live).id == talk.id
        assert talk_access(db, carl, talk.id) == "coach" and talk_access(db, dora, talk.id) is None
        with pytest.raises(ShareRefused):
            accept_invite(db, dora, live)
