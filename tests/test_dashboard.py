"""The dashboard: structure of the page, escaping, size of a long talk, the CLI, and a real browser."""
from __future__ import annotations

import base64
import io
import json
import re
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import SAMPLES, load_json, run_cli
from long_talk import repeat_document

from speechcase.core.document import read_document

HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'


class _Page(HTMLParser):
    """Collects every tag with its attributes, and the text of each <script>."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[tuple[dict, str]] = []
        self.texts: list[tuple[str, str]] = []  # (class of the innermost <span>, its text), in page order
        self._in_script: dict | None = None
        self._span: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "span":
            self._span.append(dict(attrs).get("class") or "")
            self.texts.append((self._span[-1], ""))
        if tag == "script":
            self._in_script = dict(attrs)
            self.scripts.append((self._in_script, ""))

    def handle_data(self, data):
        if self._span and self.texts:
            cls, text = self.texts[-1]
            self.texts[-1] = (cls, text + data)
        if self._in_script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag):
        if tag == "span" and self._span:
            self._span.pop()
        if tag == "script":
            self._in_script = None


def parse_page(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    return page


def page_data(page: _Page) -> dict:
    return json.loads(next(text for attrs, text in page.scripts if attrs.get("id") == "dashboard-data"))


def external_references(page: _Page, css: str) -> list[str]:
    """Every attribute or CSS url() that would load something from outside the machine."""
    found = [f"{tag} {name}={value}" for tag, attrs in page.tags for name, value in attrs.items()
             if name in ("src", "href", "data", "poster", "srcset", "action") and value
             and re.match(r"\s*(https?:|//|ftp:|ws)", value, re.I)]
    found += re.findall(r"url\(\s*['\"]?\s*(?:https?:|//)[^)]*\)", css, re.I)
    found += [f"<link {attrs}>" for tag, attrs in page.tags if tag == "link"]
    return found


@pytest.fixture(scope="module")
def rambling(analysed):
    return analysed("rambling_delivery")


@pytest.mark.slow
def test_analyze_writes_a_self_contained_dashboard(rambling):
    html_file = rambling / "dashboard.html"
    text = html_file.read_text(encoding="utf-8")
    doc = load_json(rambling / "analysis.json")
    page = parse_page(text)
    css = "".join(re.findall(r"<style>(.*?)</style>", text, re.S))

    assert external_references(page, css) == []
    # and the page forbids itself any network use, whatever a script tried
    csp = next(a["content"] for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp and "http" not in csp
    # Plotly's JavaScript is inside the page, and every script is inline
    assert all("src" not in attrs for attrs, _ in page.scripts)
    assert any("Plotly" in body and len(body) > 1_000_000 for _, body in page.scripts)
    # the <audio> element points at the analysed recording, relative to the page
    audio = next(attrs for tag, attrs in page.tags if tag == "audio")
    assert not audio["src"].startswith(("/", "file:"))
    assert (html_file.parent / audio["src"]).resolve() == (SAMPLES / "rambling_delivery.flac").resolve()

    data = page_data(page)
    names = [t.get("name") for t in data["timeline"]["data"]]
    assert "Sentences" in names and "Pace (30 s rolling)" in names
    lanes = data["timeline"]["layout"]["meta"]["lanes"]
    assert lanes[:2] == ["Sections", "Sentences"] and lanes[-1] == "Pauses"
    assert len([lane for lane in lanes if lane.startswith("\u2691")]) == len({f["type"] for f in doc["flags"]})
    filler_points = sum(len(t["x"]) for t in data["timeline"]["data"]
                        if t["type"] == "scatter" and t["y"] and t["y"][0] in ("Um / uh", "Discourse fillers"))
    assert filler_points == len(doc["fillers"])
    assert [t["name"] for t in data["allocation"]["data"]] == ["target range", "actual share"]
    assert len(data["allocation"]["data"][0]["y"]) == len(doc["framework"]["sections"])

    # every flag is listed with its time, severity, message, evidence and suggestion
    flag_items = [attrs for tag, attrs in page.tags if tag == "li" and "flag" in attrs.get("class", "").split()]
    assert len(flag_items) == len(doc["flags"]) == len(data["flags"]) > 0
    for flag in doc["flags"]:
        for field in ("message", "evidence", "suggestion", "id"):
            assert _escaped(flag[field]) in text
    # six verdict lines and one transcript row per sentence
    assert len([a for t, a in page.tags if t == "li" and "verdict" in a.get("class", "")]) == 6
    assert len([a for t, a in page.tags if t == "li" and "sentence" in a.get("class", "").split()]) == len(
        doc["sentences"])
    assert text.count('<mark class="filler') >= len([f for f in doc["fillers"] if f["source"] == "asr"])


@pytest.mark.slow
def test_figures_are_valid_plotly(rambling):
    import plotly.graph_objects as go

    data = page_data(parse_page((rambling / "dashboard.html").read_text(encoding="utf-8")))
    for name in ("timeline", "allocation"):
        go.Figure(data[name])  # raises on any property Plotly does not know


def _escaped(text: str) -> str:
    from html import escape

    return escape(text, quote=True)


def hostile_document(doc: dict) -> dict:
    doc = json.loads(json.dumps(doc))
    doc["source"]["path"] = f"talks/x{HOSTILE}.flac"
    doc["sentences"][0]["text"] = HOSTILE
    doc["words"][doc["sentences"][1]["words"][0]]["text"] = HOSTILE
    doc["flags"][0].update(message=HOSTILE, evidence=HOSTILE, suggestion=HOSTILE, type="brand_new_<b>type</b>")
    doc["framework"]["sections"][0]["title"] = HOSTILE
    doc["fillers"][0]["text"] = HOSTILE
    return doc


@pytest.mark.slow
def test_hostile_text_renders_as_text(rambling):
    from speechcase.views.dashboard import render_dashboard

    text = render_dashboard(read_document(hostile_document(load_json(rambling / "analysis.json"))))
    page = parse_page(text)
    assert "window.__pwned" in text  # the text is there...
    assert "<script>window" not in text and "<img src=x" not in text  # ...but never as markup
    assert [tag for tag, _ in page.tags].count("script") == 4  # data, audio, Plotly, the page's own script
    assert "<img" not in [tag for tag, _ in page.tags]
    data_block = next(body for attrs, body in page.scripts if attrs.get("id") == "dashboard-data")
    assert "<" not in data_block and ">" not in data_block
    # the page's script writes flag titles with textContent, so they travel unescaped inside the JSON
    assert "Brand new <b>type</b>" in json.dumps(json.loads(data_block), ensure_ascii=False)


@pytest.mark.slow
def test_unknown_section_ids_and_flag_types_render(rambling):
    """The renderer knows no fixed list: an unsegmented talk and a new flag type still render, with verdicts."""
    from speechcase.views.dashboard import render_dashboard

    doc = load_json(rambling / "analysis.json")
    doc["sections"] = [{"id": "unsegmented", "start": 0.3, "end": 103.6, "confidence": 0.0}]
    for row in doc["balance"]:
        row.update(seconds=0, share=0.0, status="missing")
    doc["flags"][0]["type"] = "a_future_flag"
    for sentence in doc["sentences"]:
        sentence["section"] = "unsegmented"
    text = render_dashboard(read_document(doc))
    assert "A future flag" in text and "Unsegmented" in text
    assert "Not measured" in text and "Sections were not detected" in text


@pytest.mark.slow
def test_a_60_minute_talk_stays_small(rambling):
    from speechcase.views.dashboard import render_dashboard
    from speechcase.views.dashboard.render import plotly_js
    from speechcase.views.dashboard.settings import default_settings

    doc = repeat_document(load_json(rambling / "analysis.json"), 60)
    assert doc["source"]["duration"] >= 3600
    began = time.perf_counter()
    text = render_dashboard(read_document(doc))
    seconds = time.perf_counter() - began
    own = len(text.encode()) - len(plotly_js().encode())
    data = page_data(parse_page(text))
    pace = next(t for t in data["timeline"]["data"] if t.get("name") == "Pace (30 s rolling)")
    assert len(pace["x"]) <= default_settings().max_line_points < len(doc["pacing"]["rolling"])
    assert own < 2_000_000, f"{own} bytes besides Plotly for 60 minutes"
    assert seconds < 10


@pytest.mark.slow
def test_dashboard_command_renders_a_saved_analysis(rambling, tmp_path):
    out = tmp_path / "again.html"
    result = run_cli("dashboard", rambling / "analysis.json", "-o", out, "--audio", SAMPLES / "short_deep_dive.flac")
    assert result.exit_code == 0, result.stderr
    assert "Wrote" in result.stdout
    audio = next(a for t, a in parse_page(out.read_text(encoding="utf-8")).tags if t == "audio")
    assert (out.parent / audio["src"]).resolve() == (SAMPLES / "short_deep_dive.flac").resolve()


@pytest.mark.slow
def test_dashboard_command_embeds_the_recording(rambling, tmp_path):
    import av

    out = tmp_path / "embedded.html"
    result = run_cli("dashboard", rambling / "analysis.json", "-o", out, "--embed-audio")
    assert result.exit_code == 0, result.stderr
    page = parse_page(out.read_text(encoding="utf-8"))
    assert next(a for t, a in page.tags if t == "audio").get("data-embedded") == "1"
    payload = next(body for attrs, body in page.scripts if attrs.get("id") == "dashboard-audio")
    mp3 = base64.b64decode(payload)
    with av.open(io.BytesIO(mp3)) as container:
        assert container.streams.audio[0].codec_context.name.startswith("mp3")
        assert container.duration / 1e6 == pytest.approx(load_json(rambling / "analysis.json")["source"]["duration"],
                                                         abs=0.3)
    assert len(mp3) < 105 * 32_000 / 8 * 1.1  # 32 kbit/s


@pytest.mark.parametrize("content,code,words", [
    (None, 3, "does not exist"),
    ("not json at all", 15, "not valid JSON"),
    ('{"schema": "speechcase/transcript-v1", "words": []}', 15, "not a speechcase analysis document"),
    ('{"schema": "speechcase/analysis-v1", "words": []}', 15, "damaged analysis document"),
])
def test_dashboard_command_refuses_bad_input(content, code, words, tmp_path):
    source = tmp_path / "analysis.json"
    if content is not None:
        source.write_text(content)
    result = run_cli("dashboard", source, "-o", tmp_path / "out.html")
    assert result.exit_code == code, result.stderr
    assert words in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out.html").exists()


@pytest.mark.slow
def test_embedding_a_missing_recording_is_one_clear_error(rambling, tmp_path):
    doc = load_json(rambling / "analysis.json")
    doc["source"]["path"] = str(tmp_path / "gone.flac")
    (tmp_path / "analysis.json").write_text(json.dumps(doc))
    result = run_cli("dashboard", tmp_path / "analysis.json", "--embed-audio")
    assert result.exit_code == 3 and "--audio PATH" in result.stderr
    assert not (tmp_path / "dashboard.html").exists()


# ---- in a real browser -------------------------------------------------------------------------------------------

def _open(browser_page, html_file: Path):
    page, problems = browser_page(html_file)
    page.wait_for_selector("body[data-ready='1']", timeout=30_000)
    return page, problems


@pytest.mark.slow
def test_browser_click_a_flag_plays_from_it(browser_page, analysed, tmp_path):
    folder = analysed("structured_churn")
    doc = load_json(folder / "analysis.json")
    flag_index, flag = next((k, f) for k, f in enumerate(doc["flags"]) if f["start"] > 10)
    page, problems = _open(browser_page, folder / "dashboard.html")
    assert page.evaluate("document.getElementById('player').currentTime") == 0
    assert page.locator(".flag-list .flag").count() == len(doc["flags"])
    assert page.locator("#timeline .main-svg").count() > 0 and page.locator("#allocation .main-svg").count() > 0

    page.click(f"#flag-{flag_index} .flag-play")
    page.wait_for_function(f"Math.abs(document.getElementById('player').currentTime - {flag['start']}) < 1.5",
                           timeout=10_000)
    assert page.locator(f"#flag-{flag_index}").get_attribute("class").split()[-1] == "selected"
    # the flag's span is marked over the timeline, where the x axis puts it
    mark = page.locator("#flag-mark")
    assert mark.is_visible() and mark.get_attribute("data-flag") == str(flag_index)
    box, plot = mark.bounding_box(), page.locator("#timeline .nsewdrag").first.bounding_box()
    duration = doc["source"]["duration"]
    assert (box["x"] - plot["x"]) / plot["width"] == pytest.approx(flag["start"] / duration, abs=0.01)
    assert (box["x"] + box["width"] - plot["x"]) / plot["width"] == pytest.approx(flag["end"] / duration, abs=0.01)
    assert page.locator(".sentence.in-flag").count() > 0

    page.click(".transcript .sentence:nth-child(3) .ts")  # a transcript timestamp seeks too
    third = doc["sentences"][2]["start"]
    page.wait_for_function(f"Math.abs(document.getElementById('player').currentTime - {third}) < 1.5")
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    assert (tmp_path / "dashboard.png").stat().st_size > 50_000
    assert problems == []


@pytest.mark.slow
def test_browser_hostile_text_stays_text(browser_page, rambling, tmp_path):
    from speechcase.views.dashboard import render_dashboard

    html_file = tmp_path / "hostile.html"
    html_file.write_text(render_dashboard(read_document(hostile_document(load_json(rambling / "analysis.json")))), encoding="utf-8")
    page, problems = _open(browser_page, html_file)
    assert page.evaluate("window.__pwned") is None
    assert HOSTILE in page.locator(".transcript .sentence").nth(1).inner_text()
    assert HOSTILE in page.locator(".flag-list .flag").first.inner_text()
    assert "window.__pwned" in page.locator("h1").inner_text()
    assert problems == []


@pytest.mark.slow
def test_browser_embedded_audio_plays_from_a_flag(browser_page, rambling, tmp_path):
    from speechcase.views.dashboard import write_dashboard

    doc = load_json(rambling / "analysis.json")
    html_file = tmp_path / "moved" / "dashboard.html"
    write_dashboard(read_document(doc), html_file, SAMPLES / "rambling_delivery.flac", embed_audio=True)
    page, problems = _open(browser_page, html_file)
    assert page.evaluate("document.getElementById('player').src").startswith("blob:")
    last = len(doc["flags"]) - 1
    page.click(f"#flag-{last}")
    page.wait_for_function(f"Math.abs(document.getElementById('player').currentTime - {doc['flags'][last]['start']})"
                           " < 1.5", timeout=10_000)
    assert problems == []


@pytest.mark.slow
def test_browser_every_mark_lies_on_the_time_axis(browser_page, rambling):
    """Each bar and marker is drawn inside the plot: times of 1-10 s are not taken for years (3680 ms != 3680 AD)."""
    page, problems = _open(browser_page, rambling / "dashboard.html")
    outside = page.evaluate("""() => {
        const gd = document.getElementById('timeline'), width = gd._fullLayout.width, bad = [];
        const numbers = s => (s.match(/-?\\d+(\\.\\d+)?(e[+-]?\\d+)?/g) || []).map(Number);
        gd.querySelectorAll('.barlayer path').forEach(p => {
            if (numbers(p.getAttribute('d') || '').some(v => Math.abs(v) > width)) bad.push(p.getAttribute('d'));
        });
        gd.querySelectorAll('.scatterlayer path.point').forEach(p => {
            if (numbers(p.getAttribute('transform') || '').some(v => Math.abs(v) > width)) bad.push(p.getAttribute('transform'));
        });
        return bad; }""")
    assert outside == []
    doc = load_json(rambling / "analysis.json")
    drawn = page.evaluate("document.querySelectorAll('#timeline .barlayer path').length")
    assert drawn >= len(doc["sections"]) * 2 + len(doc["sentences"]) + len(doc["flags"]) + len(doc["pauses"])
    assert problems == []


def test_split_tokens_read_as_one_word_in_the_dashboard_and_the_review_excerpts():
    """Whisper writes "$400,000" as "$400" ",000" and "gradient-boosted" as "gradient" "-boosted"; they are counted
    as one and shown as one: in the dashboard's transcript and hover text, and in the excerpt the report and the
    terminal review show beside a flag."""
    from speechcase.analysis.document import analysis_document
    from speechcase.analysis.frameworks import load_framework
    from speechcase.analysis.pipeline import analyze_transcript
    from speechcase.analysis.plaintext import transcript_from_text
    from speechcase.views.dashboard import render_dashboard

    text = ("We saved $400 ,000 a year with gradient -boosted trees. The recall went from 0 .61 to 0 .78 on the "
            "held-out month, and the team shipped it in March.")
    analysis = analyze_transcript(transcript_from_text(text), load_framework("case-study"))
    doc = read_document(analysis_document(analysis))
    page = render_dashboard(doc)
    transcript = page[page.index('<ol class="transcript">'):]
    assert "$400,000" in transcript and "gradient-boosted" in transcript and "0.61" in transcript
    assert "$400 ,000" not in page and "gradient -boosted" not in page
    assert doc.excerpt(0, doc.duration).startswith("We saved $400,000 a year with gradient-boosted trees.")
    assert doc.summary.words == analysis_document(analysis)["summary"]["words"]  # the count is unchanged


def test_uncertain_sections_are_shown_where_they_are():
    """tiny.en's transcript of a model-heavy scripted talk (tests/data/transcript_modelheavy.json), analysed: the
    sentences whose section has a probability under the dashboard's `unsure_below` are hatched on the timeline,
    say so in their hover and the transcript, and their stretches are named in the structure verdict. A document
    written without the probabilities (an older speechcase) shows none of it. The analysis document carries the
    probability of every sentence and still validates against its schema."""
    from importlib import resources

    import jsonschema
    from conftest import DATA

    from speechcase.analysis.document import analysis_document
    from speechcase.analysis.frameworks import load_framework
    from speechcase.analysis.pipeline import AnalyzeOptions, analyze_transcript
    from speechcase.core.types import Transcript
    from speechcase.views.dashboard import render_dashboard
    from speechcase.views.dashboard.settings import default_settings

    transcript = Transcript.from_dict(load_json(DATA / "transcript_modelheavy.json"))
    raw = analysis_document(analyze_transcript(transcript, load_framework("case-study"), AnalyzeOptions(use_cache=False)))
    schema = json.loads(resources.files("speechcase.schemas").joinpath("analysis-v1.schema.json").read_text())
    jsonschema.validate(raw, schema)
    below = default_settings().unsure_below
    unsure = [k for k, s in enumerate(raw["sentences"]) if s["section_confidence"] < below]
    assert 0 < len(unsure) < len(raw["sentences"]) // 2

    page = parse_page(render_dashboard(read_document(raw)))
    rows = [a for t, a in page.tags if t == "li" and "sentence" in a.get("class", "").split()]
    assert [k for k, a in enumerate(rows) if "unsure" in a["class"].split()] == unsure
    last = f"uncertain: {raw['sentences'][unsure[-1]]['section_confidence']:.0%}"  # the probability of its section
    assert f"({last})" in rows[unsure[-1]]["title"]
    lane = next(t for t in page_data(page)["timeline"]["data"] if t.get("name") == "Sentences")
    assert [k for k, shape in enumerate(lane["marker"]["pattern"]["shape"]) if shape] == unsure
    assert last in lane["hovertext"][unsure[-1]]
    structure = next(v for v in verdict_texts(page) if v.startswith("5 of 6 sections"))
    assert "The section is uncertain at 0:36\u20130:44, 2:15\u20132:23" in structure

    for sentence in raw["sentences"]:
        del sentence["section_confidence"]
    older = render_dashboard(read_document(raw))
    assert "uncertain:" not in older and "The section is uncertain" not in older
    lane = next(t for t in page_data(parse_page(older))["timeline"]["data"] if t.get("name") == "Sentences")
    assert not any(lane["marker"]["pattern"]["shape"])


def verdict_texts(page: _Page) -> list[str]:
    """The text of each verdict line, from the page's HTML."""
    return [text for cls, text in page.texts if "verdict-text" in cls.split()]


def test_an_unsure_tiny_transcript_suggests_whisper_base(monkeypatch):
    """tiny.en's transcript of a scripted talk (tests/data/transcript_modelheavy.json, mean word probability 0.77):
    over the shipped 0.75 nothing is said; under a threshold above it, the terminal summary and the dashboard both
    say tiny.en was unsure and suggest Whisper base. Another model's transcript never gets the advice."""
    from dataclasses import replace

    from conftest import DATA

    from speechcase.analysis.config import default_thresholds
    from speechcase.analysis.document import analysis_document
    from speechcase.analysis.frameworks import load_framework
    from speechcase.analysis.pipeline import AnalyzeOptions, analyze_transcript
    from speechcase.core.types import Transcript
    from speechcase.views import summary
    from speechcase.views.dashboard import render_dashboard
    from speechcase.views.dashboard.settings import default_settings
    from speechcase.views.transcript import transcript_advice

    transcript = Transcript.from_dict(load_json(DATA / "transcript_modelheavy.json"))
    doc = read_document(analysis_document(analyze_transcript(transcript, load_framework("case-study"),
                                                             AnalyzeOptions(use_cache=False))))
    assert round(doc.mean_word_probability(), 2) == 0.77
    assert default_thresholds().transcript_unsure_below == 0.75
    assert transcript_advice(doc, 0.75) is None
    assert not any("unsure" in line for line in summary.summary_lines(doc, "talk.json", 0.0))
    advice = transcript_advice(doc, 0.8)
    assert advice and "mean word probability 0.77" in advice and "--model base" in advice
    based = replace(doc, transcription=replace(doc.transcription, model="base"))
    assert transcript_advice(based, 0.8) is None

    higher = replace(default_thresholds(), transcript_unsure_below=0.8)
    monkeypatch.setattr(summary, "default_thresholds", lambda: higher)
    line = next(x for x in summary.summary_lines(doc, "talk.json", 0.0) if x.strip().startswith("Transcript"))
    assert line.endswith(advice)
    assert default_settings().transcript_unsure_below == 0.75
    page = render_dashboard(doc, settings=replace(default_settings(), transcript_unsure_below=0.8))
    meta = re.search(r'<p class="meta">(.*?)</p>', page).group(1)
    assert "tiny.en was unsure of many words" in meta and "--model base" in meta
