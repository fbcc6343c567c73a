"""``speechcase users add | list | remove | passwd | token``: the accounts of the web app (``speechcase serve``)."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from speechcase.interfaces.cli.app import main, open_cli_store, store_option


@main.group()
def users() -> None:
    """Manage the accounts of the web app (`speechcase serve`)."""


def _read_password(password_stdin: bool, confirm: bool = True) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=confirm)


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["candidate", "coach", "admin"]), required=True,
              help="candidate: records and shares talks; coach: reviews talks shared with them; admin: manages "
                   "accounts.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@store_option
def users_add(name: str, role: str, password_stdin: bool, store_path: Path | None) -> None:
    """Create the account NAME (the password is asked twice, or read with --password-stdin).

    A candidate's account holds the talks recorded under the speaker of the same
    name (`speechcase analyze --speaker NAME`).
    """
    from speechcase.rehearsals.accounts import add_user, check_name

    check_name(name)
    password = _read_password(password_stdin)
    with open_cli_store(store_path) as store:
        user = add_user(store, name, role, password)
    click.echo(f"Added the {user.role} '{user.name}'; they can sign in at `speechcase serve`.")


@users.command("list")
@store_option
def users_list(store_path: Path | None) -> None:
    """List the accounts."""
    from speechcase.core.formatting import local_time
    from speechcase.rehearsals.accounts import list_users

    with open_cli_store(store_path, create=False) as store:
        found = list_users(store)
    if not found:
        click.echo("No accounts yet; `speechcase users add NAME --role candidate` creates one.")
        return
    width = max(len(u.name) for u in found)
    click.echo(f"{'name'.ljust(width)}  {'role'.ljust(9)}  created           last sign-in")
    for u in found:
        click.echo(f"{u.name.ljust(width)}  {u.role.ljust(9)}  {local_time(u.created_at)}  "
                   f"{local_time(u.last_login_at) if u.last_login_at else '-'}")


@users.command("remove")
@click.argument("name")
@store_option
def users_remove(name: str, store_path: Path | None) -> None:
    """Delete the account NAME with its sessions, tokens and shares (its talks stay in the store)."""
    from speechcase.rehearsals.accounts import remove_user

    with open_cli_store(store_path, create=False) as store:
        user = remove_user(store, name)
    click.echo(f"Removed the {user.role} '{user.name}'; their talks stay in the store.")


@users.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the new password from the first line of standard input.")
@store_option
def users_passwd(name: str, password_stdin: bool, store_path: Path | None) -> None:
    """Set a new password for NAME (their open sessions end)."""
    from speechcase.rehearsals.accounts import find_user, set_password

    with open_cli_store(store_path, create=False) as store:
        find_user(store, name)
        password = _read_password(password_stdin)
        set_password(store, name, password)
    click.echo(f"Changed the password of '{name}'; their sessions were signed out.")


@users.command("token")
@click.argument("name")
@click.option("--revoke", is_flag=True, help="Revoke every API token of NAME instead of making one.")
@store_option
def users_token(name: str, revoke: bool, store_path: Path | None) -> None:
    """Print a new API token for NAME (send it as `Authorization: Bearer TOKEN`); --revoke revokes them all."""
    from speechcase.rehearsals.accounts import new_token, revoke_tokens

    with open_cli_store(store_path, create=False) as store:
        if revoke:
            count = revoke_tokens(store, name)
            click.echo(f"Revoked {count} API token(s) of '{name}'.")
            return
        token = new_token(store, name)
    click.echo(token)
