"""Interview frameworks: ordered sections with purposes, cues, examples and target time shares.

Frameworks are TOML data files (the format is documented at the top of
``case-study.toml``). The built-ins live beside this module; users pass their
own file with ``--framework path.toml``. Sections are listed in their expected
order.
"""
from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

from speechcase.core.errors import BadFramework
from speechcase.core.types import Framework, SectionSpec

DEFAULT_FRAMEWORK = "case-study"


def builtin_names() -> list[str]:
    return sorted(p.name[:-5] for p in resources.files(__name__).iterdir() if p.name.endswith(".toml"))


def load_framework(name_or_path: str | Path = DEFAULT_FRAMEWORK) -> Framework:
    """Load a built-in framework by name, or a user's TOML file by path."""
    name = str(name_or_path)
    if name in builtin_names():
        text = resources.files(__name__).joinpath(f"{name}.toml").read_text(encoding="utf-8")
        return parse_framework(text, name)
    path = Path(name).expanduser()
    if not path.is_file():
        raise BadFramework(f"Unknown framework '{name}'; use one of {', '.join(builtin_names())} "
                           "or the path of a framework .toml file.")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadFramework(f"Cannot read framework file {path} ({exc}); pass a UTF-8 .toml file.") from exc
    return parse_framework(text, str(path))


def parse_framework(text: str, origin: str) -> Framework:
    """Parse and validate framework TOML, naming the first problem found."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BadFramework(f"Framework {origin} is not valid TOML ({exc}); fix the file.") from exc

    def need(cond: bool, what: str) -> None:
        if not cond:
            raise BadFramework(f"Framework {origin}: {what}; see the built-in case-study.toml for the format.")

    need(isinstance(data.get("id"), str) and data["id"], "missing a text 'id'")
    sections = data.get("sections")
    need(isinstance(sections, list) and len(sections) >= 2, "needs at least two [[sections]]")
    specs, seen = [], set()
    assert isinstance(sections, list)  # need() raised otherwise
    for i, s in enumerate(sections, 1):
        need(isinstance(s, dict) and isinstance(s.get("id"), str) and s["id"], f"section {i} has no text 'id'")
        need(s["id"] not in seen, f"section id '{s['id']}' appears twice")
        seen.add(s["id"])
        share = s.get("target_share")
        need(isinstance(share, list) and len(share) == 2 and all(isinstance(x, (int, float)) for x in share)
             and 0 <= share[0] <= share[1] <= 1,
             f"section '{s['id']}' needs target_share = [low, high] with 0 <= low <= high <= 1")
        texts = {}
        for key in ("cues", "examples"):
            value = s.get(key, [])
            need(isinstance(value, list) and all(isinstance(x, str) and x.strip() for x in value),
                 f"section '{s['id']}': '{key}' must be a list of non-empty strings")
            texts[key] = tuple(x.strip() for x in value)
        purpose = s.get("purpose", "")
        need(isinstance(purpose, str), f"section '{s['id']}': 'purpose' must be text")
        need(bool(purpose.strip() or texts["cues"] or texts["examples"]),
             f"section '{s['id']}' needs a purpose, cues or examples, or it can never be recognised")
        flags = {key: s.get(key, False) for key in ("compares_numbers", "overrun_common", "closes_talk")}
        for key, value in flags.items():
            need(isinstance(value, bool), f"section '{s['id']}': '{key}' must be true or false")
        specs.append(SectionSpec(s["id"], str(s.get("title", s["id"])), purpose.strip(),
                                 (float(share[0]), float(share[1])), texts["cues"], texts["examples"], **flags))
    need(sum(spec.target_share[0] for spec in specs) <= 1.0,
         "the sections' lowest target shares add up to more than the whole talk")
    preview = data.get("preview")
    need(preview is None or preview in [spec.id for spec in specs[2:]],
         "'preview' must be the id of a section after the second")
    return Framework(data["id"], str(data.get("title", data["id"])), specs, preview)
