"""Time-balance and order flags: where the talk's time went against the framework.

Rules (numbers in ``[sections]`` of ``data/thresholds.toml``):

- ``section_missing`` (high): a framework section with no time at all; placed
  where it was expected, at the start of the next section in framework order
  that the talk has (or at the end of the talk).
- ``section_over``: share above the target range; high when it reaches
  ``over_high_factor`` x the upper bound or exceeds it by ``over_high_margin``,
  else medium. Spans the section's time in the talk.
- ``section_under``: share below the target range; medium below half the lower
  bound, else low.
- A ``section_over`` or ``section_under`` whose share would be within the target if the uncertain time in or
  next to the section (``unsure``: sentences whose section has a probability under ``unsure_below``) went the
  other way says so in its evidence: the flag may rest on a boundary the words do not decide.
- ``section_order``: a section first reached before a section that the
  framework puts ahead of it (say modeling before any data), one flag (medium)
  per section that came too early; and a return to a section after the talk had
  moved past it (data again after evaluation), medium when the return lasts
  twice the minimum section length, else low. The framework's preview said up
  front (results right after the framing, then the data) is neither: it is the
  opening the sources recommend.
"""
from __future__ import annotations

from speechcase.analysis.config import SectionSettings
from speechcase.core.formatting import format_duration
from speechcase.core.types import BalanceRow, Flag, Framework, SectionSpan, Severity


def section_flags(spans: list[SectionSpan], rows: list[BalanceRow], framework: Framework,
                  settings: SectionSettings, unsure_in: dict[str, float] | None = None,
                  unsure_near: dict[str, float] | None = None) -> list[Flag]:
    """Balance and order flags (ids are given later, with every other flag). ``unsure_in`` is each section's own
    uncertain time, which it could lose, ``unsure_near`` the uncertain time in or next to it, which it could gain
    (:mod:`speechcase.core.uncertain`)."""
    if not spans:
        return []
    unsure_in, unsure_near = unsure_in or {}, unsure_near or {}
    talk_seconds = sum(s.end - s.start for s in spans) or 1.0

    def caveat(what: str, seconds: float, within: bool) -> str:
        """The evidence's note when ``seconds`` of uncertain time could bring the share ``within`` its target."""
        return (f"; {seconds:.0f} s {what}, which would bring it within its target: listen there before counting "
                "on this" if seconds and within else "")

    specs = {s.id: s for s in framework.sections}
    order = [s.id for s in framework.sections]
    preview = framework.preview_span([s.id for s in spans])
    in_turn = [s for i, s in enumerate(spans) if i != preview]  # the talk's order, without its results up front
    first_at: dict[str, float] = {}
    for span in in_turn:
        first_at.setdefault(span.id, span.start)
    talk_end = spans[-1].end
    flags = []
    short = [r for r in rows if r.status in ("under", "missing")]
    for row in rows:
        spec = specs[row.section]
        low, high = row.target_share
        target = f"target {low:.0%}-{high:.0%}"
        own = [s for s in spans if s.id == row.section]
        if row.status == "missing":
            later = [first_at[i] for i in order[order.index(row.section) + 1:] if i in first_at]
            at = min(later) if later else talk_end
            flags.append(Flag("", "section_missing", at, at, "high",
                              f"No \"{spec.title}\" part was found.",
                              f"{row.section}: 0 s ({target})",
                              f"Add a short \"{spec.title}\" part here, about {low:.0%}-{high:.0%} of the talk: "
                              f"{spec.purpose}"))
        elif row.status == "over":
            severity: Severity = ("high" if row.share >= settings.over_high_factor * high
                        or row.share > high + settings.over_high_margin else "medium")
            give_to = [specs[r.section].title.lower() for r in short if r.section != row.section]
            where = f"; give the time to {', '.join(give_to)}" if give_to else ""
            lose = unsure_in.get(row.section, 0.0)
            flags.append(Flag("", "section_over", own[0].start, own[-1].end, severity,
                              f"{spec.title} took {row.share:.0%} of the talk ({format_duration(row.seconds)}).",
                              f"{row.section}: {row.seconds:.0f} s, {row.share:.0%} ({target})"
                              + caveat("of it may belong to another section", lose,
                                       (row.seconds - lose) / talk_seconds <= high),
                              f"Cut {spec.title.lower()} to about {high:.0%}: keep the one or two points that "
                              f"carry the story and drop the rest{where}."))
        elif row.status == "under":
            severity = "medium" if row.share < low / 2 else "low"
            gain = unsure_near.get(row.section, 0.0)
            flags.append(Flag("", "section_under", own[0].start, own[-1].end, severity,
                              f"{spec.title} got only {row.share:.0%} of the talk ({format_duration(row.seconds)}).",
                              f"{row.section}: {row.seconds:.0f} s, {row.share:.0%} ({target})"
                              + caveat("in or next to it may belong to it", gain,
                                       (row.seconds + gain) / talk_seconds >= low),
                              f"Give {spec.title.lower()} about {low:.0%}-{high:.0%} of the talk: {spec.purpose}"))
    flags += _order_flags(in_turn, framework, first_at, settings.min_section(talk_end - spans[0].start))
    return flags


def _order_flags(spans: list[SectionSpan], framework: Framework, first_at: dict[str, float],
                 min_seconds: float) -> list[Flag]:
    """Sections reached too early, and returns to a section after the talk had moved past it."""
    specs = {s.id: s for s in framework.sections}
    rank = {s.id: i for i, s in enumerate(framework.sections)}
    flags = []
    for sid, start in sorted(first_at.items(), key=lambda kv: kv[1]):
        later = [e for e in first_at if rank[e] < rank[sid] and first_at[e] > start]
        if not later:
            continue  # nothing expected earlier came later (a missing section is flagged on its own)
        later.sort(key=lambda e: rank[e])
        span = next(s for s in spans if s.id == sid)
        names = " and ".join(specs[e].title.lower() for e in later)
        flags.append(Flag("", "section_order", span.start, span.end, "medium",
                          f"{specs[sid].title} came before {names}.",
                          f"{sid} from {format_duration(start)}; " + ", ".join(
                              f"{e} from {format_duration(first_at[e])}" for e in later),
                          f"Move {names} ahead of {specs[sid].title.lower()}: the listener needs it to follow "
                          f"your choices, and it is the order interviewers expect."))
    furthest = -1
    for span in spans:
        if rank[span.id] < furthest and span.start > first_at[span.id]:
            past = framework.sections[furthest]
            length = span.end - span.start
            flags.append(Flag("", "section_order", span.start, span.end,
                              "medium" if length >= 2 * min_seconds else "low",
                              f"Went back to {specs[span.id].title.lower()} for {length:.0f} s after "
                              f"{past.title.lower()} had started.",
                              f"{span.id} again from {format_duration(span.start)} to {format_duration(span.end)}, "
                              f"after {past.id} from {format_duration(first_at[past.id])}",
                              f"Say everything about {specs[span.id].title.lower()} in one place; if a detail only "
                              f"matters now, tie it to the current point in a sentence instead of reopening it."))
        furthest = max(furthest, rank[span.id])
    return flags
